using System;

namespace DicomTools.Engine.Http
{
    /// <summary>Where a resolved setting came from, for verbose output ("from MD_URL").</summary>
    public enum SettingSource { Parameter, Environment }

    /// <summary>A setting neither given as a parameter nor found in the environment.</summary>
    public sealed class MissingSettingException : Exception
    {
        public MissingSettingException(string parameterName, string variableName, string what)
            : base($"No {what}: give -{parameterName} or set the environment variable {variableName}.")
        {
            ParameterName = parameterName;
            VariableName = variableName;
        }

        public string ParameterName { get; }
        public string VariableName { get; }
    }

    /// <summary>
    /// The URL and credential of one API call, resolved in one place: explicit values first, then the
    /// environment (<see cref="ApiEndpoint.UrlVariable"/>, <see cref="ApiEndpoint.KeyVariable"/>).
    /// </summary>
    public sealed class EndpointSettings
    {
        private EndpointSettings(ApiEndpoint api, Uri uri, SettingSource uriSource, ApiCredential credential, SettingSource credentialSource)
        {
            Api = api;
            Uri = uri;
            UriSource = uriSource;
            Credential = credential;
            CredentialSource = credentialSource;
        }

        public ApiEndpoint Api { get; }
        public Uri Uri { get; }
        public SettingSource UriSource { get; }
        public ApiCredential Credential { get; }
        public SettingSource CredentialSource { get; }

        /// <param name="uri">-Uri, or null to read <see cref="ApiEndpoint.UrlVariable"/>.</param>
        /// <param name="credential">-ApiKey/-Credential/-Token turned into a credential, or null to read <see cref="ApiEndpoint.KeyVariable"/>.</param>
        /// <param name="apiKeyHeader">-ApiKeyHeader, or null for the API's default; used for a key from the environment.</param>
        /// <param name="uriParameter">The parameter name to quote when the URL is missing.</param>
        /// <param name="keyParameter">The parameter name to quote when the key is missing.</param>
        /// <exception cref="MissingSettingException">The URL or the key is neither given nor in the environment.</exception>
        /// <exception cref="ArgumentException">The URL (given or from the environment) is not an absolute http(s) URL.</exception>
        public static EndpointSettings Resolve(ApiEndpoint api, Uri? uri, ApiCredential? credential, string? apiKeyHeader,
            IEnvironment? environment = null, string uriParameter = "Uri", string keyParameter = "ApiKey")
        {
            if (api == null) throw new ArgumentNullException(nameof(api));
            environment ??= ProcessEnvironment.Instance;

            var uriSource = SettingSource.Parameter;
            if (uri == null)
            {
                var text = environment.Get(api.UrlVariable)?.Trim();
                if (string.IsNullOrEmpty(text)) throw new MissingSettingException(uriParameter, api.UrlVariable, $"URL for the {api.Name} API");
                if (!Uri.TryCreate(text, UriKind.Absolute, out uri))
                    throw new ArgumentException($"The environment variable {api.UrlVariable} is not an absolute URL.");
                uriSource = SettingSource.Environment;
            }
            ValidateHttpUri(uri, uriSource == SettingSource.Parameter ? "-" + uriParameter : api.UrlVariable);

            var credentialSource = SettingSource.Parameter;
            if (credential == null)
            {
                var key = environment.Get(api.KeyVariable);
                if (key == null) throw new MissingSettingException(keyParameter, api.KeyVariable, $"key for the {api.Name} API");
                using var secure = SecureText.Protect(key);
                credential = ApiCredential.ApiKey(secure, string.IsNullOrWhiteSpace(apiKeyHeader) ? api.DefaultKeyHeader : apiKeyHeader!);
                credentialSource = SettingSource.Environment;
            }
            return new EndpointSettings(api, uri, uriSource, credential, credentialSource);
        }

        private static void ValidateHttpUri(Uri uri, string origin)
        {
            if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                throw new ArgumentException($"{origin} must be an absolute http:// or https:// URL, not '{UriRedaction.Redact(uri)}'.");
        }

        public override string ToString() => $"{Api.Name} API at {UriRedaction.Redact(Uri)} ({Credential})";
    }
}
