using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace DicomTools.Engine.Logging
{
    /// <summary>
    /// Knows the run's secrets (API keys, tokens, passwords, Authorization header values) and masks them in
    /// any text before it reaches a sink: the PowerShell streams, the log file, error messages. Registered
    /// values are masked wherever they occur; header-like "Authorization: ..." / "x-api-key=..." pairs are
    /// masked even when their value was never registered, as a second line of defence.
    /// </summary>
    public sealed class Redactor
    {
        public const string Mask = "***";

        /// <summary>The module's redactor: every secret any cmdlet resolves is registered here, so every sink masks it.</summary>
        public static Redactor Shared { get; } = new Redactor();

        // Longest first, so a secret that contains another is masked whole. Copy-on-write: reads take no lock.
        private volatile string[] _secrets = Array.Empty<string>();
        private readonly object _gate = new object();

        private static readonly Regex HeaderLike = new Regex(
            @"(?<name>\b(?:proxy-authorization|authorization|x-api-key|api[-_]?key|access[-_]?token|token|password|passwd|secret)\b[""']?\s*[:=]\s*[""']?)(?<scheme>(?:basic|bearer|digest)\s+)?(?<value>[^\s""',;&]+)",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);

        /// <summary>Registers a secret, and the forms it takes on the wire (URL-encoded, Basic base64).</summary>
        public void Register(string? secret)
        {
            if (string.IsNullOrWhiteSpace(secret)) return;
            var forms = new List<string> { secret!, secret!.Trim() };
            var escaped = Uri.EscapeDataString(secret);
            if (escaped != secret) forms.Add(escaped);
            // "Basic xxx" / "Bearer xxx" header values: the token alone can appear too.
            var space = secret.IndexOf(' ');
            if (space > 0 && space < secret.Length - 1) forms.Add(secret.Substring(space + 1).Trim());
            Add(forms);
        }

        /// <summary>Registers a secret held as a SecureString (a -ApiKey / -Token parameter).</summary>
        public void Register(System.Security.SecureString? secret)
        {
            if (secret == null || secret.Length == 0) return;
            Register(DicomTools.Engine.Http.SecureText.Reveal(secret));
        }

        /// <summary>Registers the secret of a resolved credential (parameter or environment), in the form it is sent.</summary>
        public void Register(DicomTools.Engine.Http.ApiCredential? credential)
        {
            if (credential?.Secret == null) return;
            if (credential.Kind == DicomTools.Engine.Http.ApiCredentialKind.Basic) RegisterBasicCredential(credential.UserName ?? string.Empty, credential.Secret);
            else Register(credential.Secret);
        }

        /// <summary>Registers an HTTP Basic credential: the password and the header token it makes.</summary>
        public void RegisterBasicCredential(string userName, string? password)
        {
            if (string.IsNullOrEmpty(password)) return;
            Register(password);
            Register(Convert.ToBase64String(Encoding.UTF8.GetBytes(userName + ":" + password)));
        }

        public void RegisterBasicCredential(string userName, System.Security.SecureString? password)
        {
            if (password == null || password.Length == 0) return;
            RegisterBasicCredential(userName, DicomTools.Engine.Http.SecureText.Reveal(password));
        }

        public bool HasSecrets => _secrets.Length > 0;

        /// <summary>The text with every registered secret, and every header-like secret value, masked.</summary>
        public string Redact(string? text)
        {
            if (string.IsNullOrEmpty(text)) return text ?? string.Empty;
            var result = text!;
            foreach (var secret in _secrets)
            {
                if (result.IndexOf(secret, StringComparison.Ordinal) >= 0)
                    result = result.Replace(secret, Mask);
            }
            return HeaderLike.Replace(result, m => m.Groups["value"].Value == Mask
                ? m.Value
                : m.Groups["name"].Value + m.Groups["scheme"].Value + Mask);
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

        private void Add(IEnumerable<string> forms)
        {
            lock (_gate)
            {
                _secrets = _secrets.Concat(forms.Where(f => f.Length > 0))
                    .Distinct(StringComparer.Ordinal)
                    .OrderByDescending(s => s.Length)
                    .ToArray();
            }
        }
    }
}
