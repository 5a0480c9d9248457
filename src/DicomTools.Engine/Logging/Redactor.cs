using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace DicomTools.Engine.Logging
{
    /// <summary>
    /// Knows the secrets of ONE cmdlet invocation (API keys, tokens, passwords) and masks them in any text before it
    /// reaches a sink: the PowerShell streams, the log file, the log sent to LOG_URL, error records, result objects
    /// that echo server text. Each invocation makes its own: a password given to one command must not mask
    /// ordinary words in the next command's log.
    /// <para>
    /// Rules. A secret of at least <see cref="MinimumAnywhereLength"/> characters is masked wherever it occurs, in every
    /// form it travels in: as is, URL-encoded (upper- and lower-case %xx, '+' for space), Base64 of the value and,
    /// for HTTP Basic, Base64 of "user:password". A shorter secret would mask parts of ordinary words ("p" in
    /// "Sample"), so it is masked only where credentials appear: header-like "Authorization: ...", "x-api-key=...",
    /// "password": "..." pairs (whose values are masked even when never registered) and the password of a URL's
    /// user info.
    /// </para>
    /// </summary>
    public sealed class Redactor
    {
        public const string Mask = "***";

        /// <summary>Secrets (and wire forms) shorter than this are only masked in credential contexts.</summary>
        public const int MinimumAnywhereLength = 6;

        private static readonly string[] KnownKeyNames =
        {
            "proxy-authorization", "authorization", "x-api-key", "api-key", "api_key", "apikey", "access-token", "access_token",
            "accesstoken", "token", "password", "passwd", "pwd", "secret", "client_secret",
        };

        // Longest first, so a secret that contains another is masked whole. Copy-on-write: reads take no lock.
        private volatile string[] _secrets = Array.Empty<string>();
        private volatile Regex _context;
        private readonly HashSet<string> _headerNames = new HashSet<string>(KnownKeyNames, StringComparer.OrdinalIgnoreCase);
        private readonly object _gate = new object();

        // scheme://user:password@host - the password is masked whatever its length.
        // Neither this nor the context pattern is RegexOptions.Compiled: every cmdlet invocation builds a Redactor, and
        // compiling a pattern to IL (Reflection.Emit, then JIT) cost a fresh process far more than interpreting the
        // few log lines an invocation redacts (issue 12: start-up).
        private static readonly Regex UserInfo = new Regex(
            @"(?<prefix>\b[a-z][a-z0-9+.\-]*://[^\s/:@""'<>]*:)(?<value>[^\s/@""'<>]+)(?=@)",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        public Redactor() => _context = BuildContext(_headerNames);

        /// <summary>Registers a secret and every form it takes on the wire.</summary>
        public void Register(string? secret)
        {
            if (string.IsNullOrWhiteSpace(secret)) return;
            var forms = new List<string>();
            AddForms(forms, secret!);
            var trimmed = secret!.Trim();
            if (trimmed != secret) AddForms(forms, trimmed);
            Add(forms);
        }

        /// <summary>Registers a secret held as a SecureString (a -ApiKey / -Token parameter).</summary>
        public void Register(System.Security.SecureString? secret)
        {
            if (secret == null || secret.Length == 0) return;
            Register(DicomTools.Engine.Http.SecureText.Reveal(secret));
        }

        /// <summary>Registers the secret of a resolved credential (parameter or environment), in the forms it is sent, and its header name as a credential context.</summary>
        public void Register(DicomTools.Engine.Http.ApiCredential? credential)
        {
            if (credential?.Secret == null) return;
            RegisterHeaderName(credential.HeaderName);
            if (credential.Kind == DicomTools.Engine.Http.ApiCredentialKind.Basic) RegisterBasicCredential(credential.UserName ?? string.Empty, DicomTools.Engine.Http.SecureText.Reveal(credential.Secret));
            else Register(DicomTools.Engine.Http.SecureText.Reveal(credential.Secret));
        }

        /// <summary>Registers an HTTP Basic credential: the password, the Base64 "user:password" token and the header value it makes.</summary>
        public void RegisterBasicCredential(string userName, string? password)
        {
            if (string.IsNullOrEmpty(password)) return;
            Register(password);
            var token = Convert.ToBase64String(Encoding.UTF8.GetBytes(userName + ":" + password));
            Add(new[] { token, "Basic " + token });
        }

        public void RegisterBasicCredential(string userName, System.Security.SecureString? password)
        {
            if (password == null || password.Length == 0) return;
            RegisterBasicCredential(userName, DicomTools.Engine.Http.SecureText.Reveal(password));
        }

        /// <summary>A header (e.g. a custom -ApiKeyHeader) whose value is a credential wherever "name: value" or "name=value" appears.</summary>
        public void RegisterHeaderName(string? headerName)
        {
            if (string.IsNullOrWhiteSpace(headerName)) return;
            lock (_gate)
            {
                if (_headerNames.Add(headerName!.Trim())) _context = BuildContext(_headerNames);
            }
        }

        public bool HasSecrets => _secrets.Length > 0;

        /// <summary>The text with every registered secret (long enough to be masked anywhere) and every credential-context value masked.</summary>
        public string Redact(string? text)
        {
            if (string.IsNullOrEmpty(text)) return text ?? string.Empty;
            var result = text!;
            foreach (var secret in _secrets)
            {
                if (result.IndexOf(secret, StringComparison.Ordinal) >= 0)
                    result = result.Replace(secret, Mask);
            }
            result = _context.Replace(result, m => m.Groups["value"].Value == Mask
                ? m.Value
                : m.Groups["name"].Value + m.Groups["scheme"].Value + Mask);
            return UserInfo.Replace(result, m => m.Groups["value"].Value == Mask ? m.Value : m.Groups["prefix"].Value + Mask);
        }

        /// <summary>An exception's messages (outer to inner), redacted: what a log line or error record may show.</summary>
        public string RedactMessages(Exception exception)
        {
            var parts = new List<string>();
            for (var e = exception; e != null; e = e.InnerException)
            {
                if (!parts.Contains(e.Message)) parts.Add(e.Message);
            }
            return Redact(string.Join(" ", parts));
        }

        private static void AddForms(List<string> forms, string secret)
        {
            forms.Add(secret);
            var upper = Uri.EscapeDataString(secret);
            forms.Add(upper);
            forms.Add(LowerPercentHex(upper));
            var plus = System.Net.WebUtility.UrlEncode(secret);
            forms.Add(plus);
            forms.Add(LowerPercentHex(plus));
            forms.Add(UpperPercentHex(plus));
            var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(secret));
            forms.Add(base64);
            forms.Add(base64.TrimEnd('='));
            // "Basic xxx" / "Bearer xxx" given whole: the token alone travels too.
            var space = secret.IndexOf(' ');
            if (space > 0 && space < secret.Length - 1) forms.Add(secret.Substring(space + 1).Trim());
        }

        private static string LowerPercentHex(string s) =>
            Regex.Replace(s, "%[0-9A-F]{2}", m => m.Value.ToLowerInvariant(), RegexOptions.CultureInvariant);

        private static string UpperPercentHex(string s) =>
            Regex.Replace(s, "%[0-9a-f]{2}", m => m.Value.ToUpperInvariant(), RegexOptions.CultureInvariant);

        private void Add(IEnumerable<string> forms)
        {
            lock (_gate)
            {
                _secrets = _secrets.Concat(forms.Where(f => f.Length >= MinimumAnywhereLength))
                    .Distinct(StringComparer.Ordinal)
                    .OrderByDescending(s => s.Length)
                    .ToArray();
            }
        }

        private static Regex BuildContext(IEnumerable<string> names)
        {
            var alternatives = string.Join("|", names.OrderByDescending(n => n.Length).Select(Regex.Escape));
            return new Regex(
                @"(?<name>(?<![\w-])(?:" + alternatives + @")(?![\w-])[""']?\s*[:=]\s*[""']?)(?<scheme>(?:basic|bearer|digest)\s+)?(?<value>[^\s""',;&<>]+)",
                RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        }
    }
}
