using System;
using System.Net;

namespace DicomTools.Engine.Http
{
    /// <summary>What decides which HttpClient a call uses: TLS checking and the proxy.</summary>
    public sealed class HttpConnectionSettings : IEquatable<HttpConnectionSettings>
    {
        public static HttpConnectionSettings Default { get; } = new HttpConnectionSettings();

        /// <summary>Accept any server certificate (as Invoke-RestMethod -SkipCertificateCheck). Off by default.</summary>
        public bool SkipCertificateCheck { get; set; }

        /// <summary>A proxy for every request; null uses the system's default proxy settings.</summary>
        public Uri? Proxy { get; set; }

        /// <summary>Credentials for <see cref="Proxy"/>; null sends none.</summary>
        public NetworkCredential? ProxyCredential { get; set; }

        public bool Equals(HttpConnectionSettings? other) =>
            other != null
            && SkipCertificateCheck == other.SkipCertificateCheck
            && Equals(Proxy, other.Proxy)
            && ReferenceEquals(ProxyCredential, other.ProxyCredential);

        public override bool Equals(object? obj) => Equals(obj as HttpConnectionSettings);

        public override int GetHashCode() => (SkipCertificateCheck ? 1 : 0) ^ (Proxy?.GetHashCode() ?? 0) ^ (ProxyCredential == null ? 0 : 7);

        public override string ToString() =>
            (SkipCertificateCheck ? "certificate check skipped" : "certificate checked")
            + (Proxy == null ? string.Empty : ", proxy " + UriRedaction.Redact(Proxy) + (ProxyCredential == null ? string.Empty : " with credential"));
    }
}
