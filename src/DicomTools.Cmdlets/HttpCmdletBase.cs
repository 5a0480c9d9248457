using System;
using System.Management.Automation;
using System.Security;
using DicomTools.Engine.Http;
using DicomTools.Engine.Settings;

namespace DicomTools.Cmdlets
{
    /// <summary>
    /// A cmdlet that talks to one lab API: -Uri and the credential parameters (-ApiKey, -Credential, -Token,
    /// -ApiKeyHeader) on top of the shared HTTP parameters, resolved through the settings layers into one
    /// endpoint, and one error-record shape for a failed call.
    /// </summary>
    public abstract class HttpCmdletBase : HttpClientCmdletBase
    {
        /// <summary>The API this cmdlet talks to: its settings (URL, key) and default key header.</summary>
        protected abstract ApiEndpoint Endpoint { get; }

        [Parameter]
        [ValidateNotNull]
        public Uri? Uri { get; set; }

        [Parameter]
        [SecureStringTransformation]
        [ValidateNotNull]
        public SecureString? ApiKey { get; set; }

        /// <summary>HTTP Basic (Orthanc accepts only this).</summary>
        [Parameter]
        [Credential]
        [ValidateNotNull]
        public PSCredential? Credential { get; set; }

        /// <summary>A Bearer token.</summary>
        [Parameter]
        [ValidateNotNull]
        public SecureString? Token { get; set; }

        /// <summary>The header that carries -ApiKey (or the key from the settings).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ApiKeyHeader { get; set; }

        /// <summary>The credential given as a parameter, or null to fall back to the settings. Terminates on conflicting parameters.</summary>
        protected ApiCredential? CredentialFromParameters()
        {
            var given = (ApiKey != null ? 1 : 0) + (Credential != null ? 1 : 0) + (Token != null ? 1 : 0);
            if (given > 1)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new PSArgumentException("Give only one of -ApiKey, -Credential and -Token."),
                    "DicomTools.ConflictingCredentials", ErrorCategory.InvalidArgument, null));
            }
            if (ApiKey != null) return ApiCredential.ApiKey(ApiKey, string.IsNullOrWhiteSpace(ApiKeyHeader) ? Endpoint.DefaultKeyHeader : ApiKeyHeader!);
            if (Credential != null) return ApiCredential.Basic(Credential.UserName, Credential.Password);
            if (Token != null) return ApiCredential.Bearer(Token);
            return null;
        }

        /// <summary>How this cmdlet's parameters set <paramref name="setting"/>, for messages.</summary>
        protected string ParameterFor(SettingDefinition setting) =>
            setting == Endpoint.UrlSetting ? "-Uri" : setting == Endpoint.KeySetting ? "-ApiKey (or -Credential, -Token)" : setting.Variable;

        /// <summary>
        /// The URL and credential from the parameters, else the environment, else -EnvFile or ./.env; a
        /// terminating error names what is missing, by parameter and variable.
        /// </summary>
        protected EndpointSettings ResolveEndpoint()
        {
            ApiCredential? credential;
            try
            {
                credential = CredentialFromParameters();
            }
            catch (ArgumentException ex)
            {
                // e.g. a Basic user name with ':' in it
                ThrowTerminatingError(new ErrorRecord(ex, "DicomTools.InvalidCredential", ErrorCategory.InvalidArgument, null));
                throw;
            }
            // Only read ./.env when something is left to find there; a named -EnvFile is always read (and must exist).
            var settings = Uri == null || credential == null || EnvFileGiven ? Settings : SettingsResolver.EnvironmentOnly(Redactor);
            EndpointSettings endpoint;
            try
            {
                endpoint = EndpointSettings.Resolve(Endpoint, Uri, credential, ApiKeyHeader, settings);
                // Every sink of the module masks this key from now on, wherever it came from.
                Redactor.Register(endpoint.Credential);
            }
            catch (MissingSettingsException ex)
            {
                ThrowMissingSettings(ex, ParameterFor, "DicomTools.MissingSetting." + ex.Missing[0].Variable, "Nothing was sent.");
                throw; // not reached: ThrowTerminatingError throws
            }
            catch (InvalidSettingException ex)
            {
                ThrowInvalidSetting(ex, ParameterFor, "DicomTools.InvalidUri", Uri);
                throw;
            }
            catch (ArgumentException ex)
            {
                // e.g. an -ApiKeyHeader that is not a request header
                ThrowTerminatingError(new ErrorRecord(ex, "DicomTools.InvalidUri", ErrorCategory.InvalidArgument, Uri));
                throw;
            }
            CheckTransportSecurity(endpoint.Uri, endpoint.Credential);
            WriteVerbose($"Using the {Endpoint.Name} API at {UriRedaction.Redact(endpoint.Uri)}"
                + (endpoint.UriOrigin == null ? string.Empty : $" (from {Describe(endpoint.UriOrigin.Layer, Endpoint.UrlVariable)})")
                + $" with {endpoint.Credential}"
                + (endpoint.CredentialSource == SettingLayer.Parameter ? "." : $" (from {Describe(endpoint.CredentialSource, Endpoint.KeyVariable)})."));
            return endpoint;
        }

        private string Describe(SettingLayer layer, string variable) =>
            layer == SettingLayer.EnvFile ? $"{variable} in {Settings.EnvFile.Path}" : variable;

        /// <summary>Reports a failed call as a non-terminating error for <paramref name="target"/> and goes on with the next item.</summary>
        protected void WriteHttpError(DicomToolsHttpException exception, string errorIdPrefix, object? target)
        {
            DrainLog();
            WriteError(HttpErrorRecords.Create(exception, errorIdPrefix, target));
        }
    }
}
