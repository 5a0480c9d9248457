using System;
using System.Management.Automation;
using System.Security;
using DicomTools.Engine.Http;

namespace DicomTools.Cmdlets
{
    /// <summary>
    /// The four lab APIs' URLs and keys, for the commands that use all of them (Invoke-SampleUpload, and
    /// Test-SampleConnection, which checks what Invoke-SampleUpload would use): one declaration, one way to register
    /// their secrets and to turn the upload key or credential into what the Engine sends.
    /// </summary>
    public abstract class SampleApisCmdletBase : HttpClientCmdletBase
    {
        [Parameter] [ValidateNotNull] public Uri? MetadataUri { get; set; }
        [Parameter] [SecureStringTransformation] [ValidateNotNull] public SecureString? MetadataApiKey { get; set; }
        [Parameter] [ValidateNotNull] public Uri? UploadUri { get; set; }
        [Parameter] [SecureStringTransformation] [ValidateNotNull] public SecureString? UploadApiKey { get; set; }
        /// <summary>HTTP Basic for the upload API instead of -UploadApiKey (Orthanc).</summary>
        [Parameter] [Credential] [ValidateNotNull] public PSCredential? UploadCredential { get; set; }
        [Parameter] [ValidateNotNull] public Uri? AnalyticsUri { get; set; }
        [Parameter] [SecureStringTransformation] [ValidateNotNull] public SecureString? AnalyticsApiKey { get; set; }
        [Parameter] [ValidateNotNull] public Uri? LogUri { get; set; }
        [Parameter] [SecureStringTransformation] [ValidateNotNull] public SecureString? LogApiKey { get; set; }

        /// <summary>Every secret given as a parameter, registered before anything can log it.</summary>
        protected void RegisterParameterSecrets()
        {
            foreach (var key in new[] { MetadataApiKey, UploadApiKey, AnalyticsApiKey, LogApiKey }) Redactor.Register(key);
            if (UploadCredential != null) Redactor.RegisterBasicCredential(UploadCredential.UserName, UploadCredential.Password);
            if (ProxyCredential != null) Redactor.RegisterBasicCredential(ProxyCredential.UserName, ProxyCredential.Password);
        }

        /// <summary>-UploadApiKey or -UploadCredential (never both: a terminating error), or null.</summary>
        protected ApiCredential? UploadCredentialFromParameters()
        {
            if (UploadApiKey != null && UploadCredential != null)
            {
                ThrowTerminatingError(new ErrorRecord(new PSArgumentException("Give -UploadApiKey or -UploadCredential, not both."),
                    "DicomTools.ConflictingCredentials", ErrorCategory.InvalidArgument, null));
            }
            if (UploadApiKey != null) return ApiCredential.ApiKey(UploadApiKey, ApiEndpoint.Upload.DefaultKeyHeader);
            if (UploadCredential != null) return ApiCredential.Basic(UploadCredential.UserName, UploadCredential.Password);
            return null;
        }

        /// <summary>An API key parameter as the Engine sends it (in the API's default header), or null.</summary>
        protected static ApiCredential? KeyCredential(SecureString? key, ApiEndpoint api) =>
            key == null ? null : ApiCredential.ApiKey(key, api.DefaultKeyHeader);
    }
}
