using System;
using System.Text;

namespace DicomTools.Engine.Http
{
    /// <summary>A URI as it may be shown: no user info, and the values of query parameters that look like secrets hidden.</summary>
    public static class UriRedaction
    {
        private static readonly string[] SecretNameParts = { "key", "token", "secret", "password", "passwd", "pwd", "sig", "auth", "credential" };

        public static string Redact(Uri? uri)
        {
            if (uri == null) return string.Empty;
            if (!uri.IsAbsoluteUri) return uri.OriginalString;
            var builder = new StringBuilder();
            builder.Append(uri.Scheme).Append("://").Append(uri.Host);
            if (!uri.IsDefaultPort) builder.Append(':').Append(uri.Port);
            builder.Append(uri.AbsolutePath);
            var query = uri.Query;
            if (query.Length > 1)
            {
                builder.Append('?');
                var pairs = query.Substring(1).Split('&');
                for (var i = 0; i < pairs.Length; i++)
                {
                    if (i > 0) builder.Append('&');
                    var pair = pairs[i];
                    var equals = pair.IndexOf('=');
                    var name = equals < 0 ? pair : pair.Substring(0, equals);
                    builder.Append(equals >= 0 && LooksSecret(name) ? name + "=***" : pair);
                }
            }
            return builder.ToString();
        }

        private static bool LooksSecret(string name)
        {
            var decoded = Uri.UnescapeDataString(name).ToLowerInvariant();
            foreach (var part in SecretNameParts)
                if (decoded.Contains(part)) return true;
            return false;
        }
    }
}
