using System;
using System.Collections.Generic;
using DicomTools.Engine.Settings;

namespace DicomTools.Engine.Http
{
    /// <summary>
    /// The URL and credential of one API call, resolved in one place through the module's settings layers:
    /// explicit values first, then the environment, then the .env file (<see cref="SettingsResolver"/>).
    /// </summary>
    public sealed class EndpointSettings
    {
        private EndpointSettings(ApiEndpoint api, Uri uri, SettingValue? uriSetting, ApiCredential credential, SettingLayer credentialSource)
        {
            Api = api;
            Uri = uri;
            UriSource = uriSetting?.Layer ?? SettingLayer.Parameter;
            UriOrigin = uriSetting;
            Credential = credential;
            CredentialSource = credentialSource;
        }

        public ApiEndpoint Api { get; }
        public Uri Uri { get; }
        public SettingLayer UriSource { get; }
        /// <summary>Where the URL came from when it was not a parameter (null when it was).</summary>
        public SettingValue? UriOrigin { get; }
        public ApiCredential Credential { get; }
        public SettingLayer CredentialSource { get; }

        /// <param name="uri">The URL given by the caller, or null to read <see cref="ApiEndpoint.UrlSetting"/>.</param>
        /// <param name="credential">The credential given by the caller, or null to read <see cref="ApiEndpoint.KeySetting"/>.</param>
        /// <param name="apiKeyHeader">The header for a key from the settings, or null for the API's default.</param>
        /// <param name="settings">The layers below the parameters; the process environment alone when null.</param>
        /// <exception cref="MissingSettingsException">The URL, the key or both are nowhere (both named at once).</exception>
        /// <exception cref="InvalidSettingException">The URL (given or found) is not an absolute http(s) URL.</exception>
        public static EndpointSettings Resolve(ApiEndpoint api, Uri? uri, ApiCredential? credential, string? apiKeyHeader,
            SettingsResolver? settings = null)
        {
            settings ??= SettingsResolver.EnvironmentOnly();
            var missing = new List<SettingDefinition>();
            var resolved = TryResolve(api, uri, credential, apiKeyHeader, settings, missing);
            if (resolved == null) throw settings.Missing(missing);
            return resolved;
        }

        /// <summary>As <see cref="Resolve"/>, but adds what is missing to <paramref name="missing"/> and returns null, so that a caller resolving several endpoints reports every missing setting in one error.</summary>
        /// <exception cref="InvalidSettingException">The URL (given or found) is not an absolute http(s) URL.</exception>
        public static EndpointSettings? TryResolve(ApiEndpoint api, Uri? uri, ApiCredential? credential, string? apiKeyHeader,
            SettingsResolver settings, ICollection<SettingDefinition> missing)
        {
            if (api == null) throw new ArgumentNullException(nameof(api));
            if (settings == null) throw new ArgumentNullException(nameof(settings));
            if (missing == null) throw new ArgumentNullException(nameof(missing));

            SettingValue? uriSetting = null;
            if (uri == null)
            {
                uriSetting = settings.Resolve(api.UrlSetting, null);
                if (uriSetting == null) missing.Add(api.UrlSetting);
                else if (!Uri.TryCreate(uriSetting.Value.Trim(), UriKind.Absolute, out uri))
                    throw new InvalidSettingException(uriSetting, InvalidSettingException.OriginPlaceholder + " is not an absolute URL.");
            }
            if (uri != null && IsDimseUpload(api, uri, uriSetting))
                return new EndpointSettings(api, uri, uriSetting, ApiCredential.None, SettingLayer.Parameter);
            if (uri != null) ValidateHttpUri(uri, uriSetting ?? new SettingValue(api.UrlSetting, uri.OriginalString, SettingLayer.Parameter));

            var credentialSource = SettingLayer.Parameter;
            if (credential == null)
            {
                var key = settings.Resolve(api.KeySetting, null);
                if (key == null) missing.Add(api.KeySetting);
                else
                {
                    using var secure = SecureText.Protect(key.Value);
                    credential = ApiCredential.ApiKey(secure, string.IsNullOrWhiteSpace(apiKeyHeader) ? api.DefaultKeyHeader : apiKeyHeader!);
                    credentialSource = key.Layer;
                }
            }
            if (uri == null || credential == null) return null;
            return new EndpointSettings(api, uri, uriSetting, credential, credentialSource);
        }

        /// <summary>True when this is the upload endpoint and names a DIMSE archive (dicom://CALLED@host:port).</summary>
        public bool IsDimse => IsDimseArchive(Api, Uri);

        /// <summary>
        /// Only the upload endpoint may be a DIMSE archive (dicom://CALLED@host:port): metadata, analytics and logs are
        /// HTTP APIs. Its key is then not needed nor read (an association carries no credential), so a missing U_KEY is
        /// not an error.
        /// </summary>
        private static bool IsDimseUpload(ApiEndpoint api, Uri uri, SettingValue? uriSetting)
        {
            if (!IsDimseArchive(api, uri)) return false;
            if (Upload.Protocols.DimseArchiveUri.Problem(uri) is string problem)
                throw new InvalidSettingException(uriSetting ?? new SettingValue(api.UrlSetting, uri.OriginalString, SettingLayer.Parameter),
                    InvalidSettingException.OriginPlaceholder + $" names no usable DICOM archive: {problem}; the form is dicom://CALLED@host:port or dicom://CALLING:CALLED@host:port.");
            return true;
        }

        private static bool IsDimseArchive(ApiEndpoint api, Uri uri) =>
            ReferenceEquals(api, ApiEndpoint.Upload) && DicomTools.Engine.Upload.Protocols.DimseArchiveUri.IsDimse(uri);

        private static void ValidateHttpUri(Uri uri, SettingValue origin)
        {
            if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                throw new InvalidSettingException(origin, InvalidSettingException.OriginPlaceholder + $" must be an absolute http:// or https:// URL, not '{UriRedaction.Redact(uri)}'.");
        }

        public override string ToString() => $"{Api.Name} API at {UriRedaction.Redact(Uri)} ({Credential})";
    }
}
