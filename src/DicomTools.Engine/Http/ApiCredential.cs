using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Security;
using System.Text;

namespace DicomTools.Engine.Http
{
    public enum ApiCredentialKind { None, ApiKey, Basic, Bearer }

    /// <summary>
    /// How a request proves who sends it: an API key in a named header (sent as is), HTTP Basic, a Bearer token,
    /// or nothing. Secrets stay in SecureStrings until <see cref="Apply"/> sets the header; <see cref="ToString"/>
    /// and every message built from this object show only the kind and header name.
    /// </summary>
    public sealed class ApiCredential
    {
        public const string AuthorizationHeader = "Authorization";

        private readonly SecureString? _secret;

        private ApiCredential(ApiCredentialKind kind, string headerName, string? userName, SecureString? secret)
        {
            Kind = kind;
            HeaderName = headerName;
            UserName = userName;
            _secret = secret;
        }

        public static ApiCredential None { get; } = new ApiCredential(ApiCredentialKind.None, string.Empty, null, null);

        /// <summary>An API key sent as is (no scheme) in <paramref name="headerName"/>, e.g. <c>x-api-key</c> or <c>Authorization</c>.</summary>
        public static ApiCredential ApiKey(SecureString key, string headerName)
        {
            if (key == null) throw new ArgumentNullException(nameof(key));
            if (string.IsNullOrWhiteSpace(headerName)) throw new ArgumentException("The API key header name is empty.", nameof(headerName));
            return new ApiCredential(ApiCredentialKind.ApiKey, headerName.Trim(), null, Copy(key));
        }

        public static ApiCredential Basic(string userName, SecureString password)
        {
            if (userName == null) throw new ArgumentNullException(nameof(userName));
            if (password == null) throw new ArgumentNullException(nameof(password));
            if (userName.IndexOf(':') >= 0) throw new ArgumentException("An HTTP Basic user name cannot contain ':'.", nameof(userName));
            return new ApiCredential(ApiCredentialKind.Basic, AuthorizationHeader, userName, Copy(password));
        }

        public static ApiCredential Bearer(SecureString token)
        {
            if (token == null) throw new ArgumentNullException(nameof(token));
            return new ApiCredential(ApiCredentialKind.Bearer, AuthorizationHeader, null, Copy(token));
        }

        public ApiCredentialKind Kind { get; }

        /// <summary>The header that carries the secret (empty for <see cref="ApiCredentialKind.None"/>).</summary>
        public string HeaderName { get; }

        public string? UserName { get; }

        /// <summary>For the module's redactor (same assembly) to learn the secret; never for building text.</summary>
        internal SecureString? Secret => _secret;

        /// <summary>Sets the header on one request. The only place the secret becomes a string.</summary>
        public void Apply(HttpRequestMessage request)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            if (Kind == ApiCredentialKind.None || _secret == null) return;
            var value = Kind switch
            {
                ApiCredentialKind.Basic => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(UserName + ":" + SecureText.Reveal(_secret))),
                ApiCredentialKind.Bearer => "Bearer " + SecureText.Reveal(_secret),
                _ => SecureText.Reveal(_secret),
            };
            request.Headers.Remove(HeaderName);
            // Raw keys are not valid "scheme credentials" syntax, so skip the header parser.
            if (!request.Headers.TryAddWithoutValidation(HeaderName, value))
                throw new ArgumentException($"'{HeaderName}' cannot carry a credential: it is not a request header.");
        }

        /// <summary>
        /// Replaces every form of the secret this credential would send (raw, Base64 Basic value) in text that
        /// came from elsewhere, e.g. a server's error body that echoes the key.
        /// </summary>
        public string Redact(string? text)
        {
            if (string.IsNullOrEmpty(text) || _secret == null || _secret.Length == 0) return text ?? string.Empty;
            // The same rules as every sink: whole values in all their wire forms, short ones only in credential contexts.
            var redactor = new DicomTools.Engine.Logging.Redactor();
            redactor.Register(this);
            return redactor.Redact(text);
        }

        public override string ToString() => Kind switch
        {
            ApiCredentialKind.None => "no credential",
            ApiCredentialKind.ApiKey => $"API key in header '{HeaderName}'",
            ApiCredentialKind.Basic => $"HTTP Basic as '{UserName}'",
            _ => "Bearer token",
        };

        private static SecureString Copy(SecureString source)
        {
            // Our own read-only copy: the caller may dispose or change theirs.
            var copy = source.Copy();
            copy.MakeReadOnly();
            return copy;
        }
    }
}
