using System;
using System.Net;

namespace DicomTools.Engine.Http
{
    public enum TransportVerdict
    {
        /// <summary>https, no credential, or loopback: nothing to say.</summary>
        Allowed,
        /// <summary>An API key header over http to another host: allowed (the original contract), with a warning.</summary>
        AllowedWithWarning,
        /// <summary>HTTP Basic or a Bearer token over http to another host without -AllowUnencryptedAuthentication.</summary>
        Refused,
    }

    /// <summary>
    /// Whether a credential may travel to a URI, as Invoke-RestMethod decides: HTTP Basic and Bearer tokens go over
    /// http only when the caller says so. Unlike Invoke-RestMethod, loopback (127.0.0.0/8, localhost, [::1]) is
    /// allowed without a word: the bytes never leave the machine, so there is nothing to eavesdrop on that a local
    /// administrator could not read anyway, and local test servers (Orthanc) rarely have TLS.
    /// </summary>
    public static class TransportSecurity
    {
        public static TransportVerdict Judge(Uri uri, ApiCredential? credential, bool allowUnencryptedAuthentication)
        {
            if (uri == null) throw new ArgumentNullException(nameof(uri));
            if (credential == null || credential.Kind == ApiCredentialKind.None) return TransportVerdict.Allowed;
            if (!string.Equals(uri.Scheme, "http", StringComparison.OrdinalIgnoreCase)) return TransportVerdict.Allowed;
            if (IsLoopback(uri)) return TransportVerdict.Allowed;
            if (credential.Kind == ApiCredentialKind.ApiKey) return TransportVerdict.AllowedWithWarning;
            return allowUnencryptedAuthentication ? TransportVerdict.Allowed : TransportVerdict.Refused;
        }

        public static bool IsLoopback(Uri uri)
        {
            if (uri.IsLoopback) return true;
            var host = uri.DnsSafeHost;
            return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
                || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
        }

        /// <param name="overrideName">How the caller's user says "allow it anyway" (the cmdlets' switch), so that the Engine names no parameter.</param>
        public static string RefusalMessage(Uri uri, ApiCredential credential, string overrideName) =>
            $"{(credential.Kind == ApiCredentialKind.Basic ? "HTTP Basic credentials" : "A Bearer token")} would be sent unencrypted to "
            + $"{UriRedaction.Redact(uri)}. Use an https:// URI, or add {overrideName} to send it over http anyway. Nothing was sent.";

        public static string WarningMessage(Uri uri, ApiCredential credential) =>
            $"The API key (header '{credential.HeaderName}') is sent unencrypted to {UriRedaction.Redact(uri)}: anyone on the network path can read it. Use an https:// URI.";
    }
}
