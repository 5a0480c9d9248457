using System;
using System.Globalization;

namespace DicomTools.Engine.Preflight
{
    public enum ConnectionVerdict { Ok, Failed }

    /// <summary>The step of a connection check; the first one that failed is <see cref="ConnectionCheckResult.FailedStep"/>.</summary>
    public enum ConnectionCheckStep { None, Settings, Dns, Tcp, Tls, Authentication, Echo }

    /// <summary>
    /// One configured API, checked from the name to the credential. Every property is text, a number, a date or an
    /// enum, so that Format-List *, Export-Csv and ConvertTo-Json show values, never type names; nothing secret is kept.
    /// </summary>
    public sealed class ConnectionCheckResult
    {
        public ConnectionCheckResult(string api, string setting)
        {
            Api = api ?? throw new ArgumentNullException(nameof(api));
            Setting = setting ?? throw new ArgumentNullException(nameof(setting));
        }

        /// <summary>Metadata, Upload, Analytics or Log.</summary>
        public string Api { get; }
        /// <summary>The URL's setting (MD_URL, U_URL, A_URL, LOG_URL).</summary>
        public string Setting { get; }
        /// <summary>The URL as it may be shown (credentials and key-like query values masked).</summary>
        public string? Uri { get; internal set; }
        /// <summary>Where the URL came from: a parameter, an environment variable or a .env file.</summary>
        public string? Source { get; internal set; }
        public ConnectionVerdict Verdict { get; internal set; } = ConnectionVerdict.Ok;
        public ConnectionCheckStep FailedStep { get; internal set; }
        /// <summary>What was found, in words (for a failure: what went wrong).</summary>
        public string Reason { get; internal set; } = string.Empty;
        /// <summary>What to do about a failure (empty when there is nothing to do).</summary>
        public string Action { get; internal set; } = string.Empty;

        /// <summary>The addresses the host name resolved to, comma-separated.</summary>
        public string? Addresses { get; internal set; }
        public bool? TcpConnected { get; internal set; }
        /// <summary>TLS version negotiated (https only).</summary>
        public string? TlsProtocol { get; internal set; }
        public string? CertificateSubject { get; internal set; }
        public string? CertificateIssuer { get; internal set; }
        public DateTime? CertificateNotAfter { get; internal set; }
        /// <summary>Why the certificate is not trusted ("None" when it is).</summary>
        public string? CertificateErrors { get; internal set; }
        /// <summary>The harmless request that checked the credential (e.g. "GET /system"), or why there is none.</summary>
        public string? AuthenticationCheck { get; internal set; }
        public int? StatusCode { get; internal set; }
        public double DurationSec { get; internal set; }

        public bool Succeeded => Verdict == ConnectionVerdict.Ok;

        internal void Fail(ConnectionCheckStep step, string reason, string action)
        {
            Verdict = ConnectionVerdict.Failed;
            FailedStep = step;
            Reason = reason;
            Action = action;
        }

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "{0} ({1}): {2}{3}", Api, Uri ?? Setting, Verdict,
                Reason.Length == 0 ? string.Empty : " - " + Reason);
    }
}
