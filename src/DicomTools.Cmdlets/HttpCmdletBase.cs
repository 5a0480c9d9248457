using System;
using System.Management.Automation;
using System.Net;
using System.Security;
using System.Threading.Tasks;
using DicomTools.Engine.Http;

namespace DicomTools.Cmdlets
{
    /// <summary>
    /// The parameters every HTTP cmdlet shares (named as Invoke-RestMethod names them, with the original script's
    /// names as aliases), how they become endpoint, credential, connection and retry settings, and how a call runs
    /// on the pipeline thread while its log lines (one per retry) are written as they come.
    /// </summary>
    public abstract class HttpCmdletBase : DicomToolsCmdlet, IDisposable
    {
        private HttpExecutor? _executor;

        /// <summary>The API this cmdlet talks to: its environment variables and default key header.</summary>
        protected abstract ApiEndpoint Endpoint { get; }

        /// <summary>The time one attempt may take when -TimeoutSec is not given.</summary>
        protected virtual int DefaultTimeoutSec => 100;

        [Parameter]
        [ValidateNotNull]
        public Uri? Uri { get; set; }

        [Parameter]
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

        /// <summary>The header that carries -ApiKey (or the key from the environment).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ApiKeyHeader { get; set; }

        [Parameter]
        [Alias("BackoffAttempts")]
        [ValidateRange(0, 100)]
        public int MaximumRetryCount { get; set; } = HttpRetryOptions.DefaultMaximumRetryCount;

        [Parameter]
        [ValidateRange(0.0, 3600.0)]
        public double RetryIntervalSec { get; set; } = HttpRetryOptions.DefaultRetryInterval.TotalSeconds;

        /// <summary>Seconds one attempt may take, sending and reading included; 0 = no limit.</summary>
        [Parameter]
        [ValidateRange(0.0, 86400.0)]
        public double TimeoutSec { get; set; } = -1;

        [Parameter]
        public SwitchParameter SkipCertificateCheck { get; set; }

        [Parameter]
        [ValidateNotNull]
        public Uri? Proxy { get; set; }

        [Parameter]
        [Credential]
        [ValidateNotNull]
        public PSCredential? ProxyCredential { get; set; }

        /// <summary>Where settings not given as parameters are looked up; the process environment unless a caller layers more.</summary>
        protected virtual IEnvironment SettingsEnvironment => ProcessEnvironment.Instance;

        /// <summary>The credential given as a parameter, or null to fall back to the environment. Terminates on conflicting parameters.</summary>
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

        /// <summary>The URL and credential from the parameters, else the environment; a terminating error names what is missing.</summary>
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
            EndpointSettings settings;
            try
            {
                settings = EndpointSettings.Resolve(Endpoint, Uri, credential, ApiKeyHeader, SettingsEnvironment);
                // Every sink of the module masks this key from now on, wherever it came from.
                Redactor.Register(settings.Credential);
            }
            catch (MissingSettingException ex)
            {
                ThrowTerminatingError(HttpErrorRecords.MissingSetting(ex));
                throw; // not reached: ThrowTerminatingError throws
            }
            catch (ArgumentException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "DicomTools.InvalidUri", ErrorCategory.InvalidArgument, Uri));
                throw;
            }
            WriteVerbose($"Using the {Endpoint.Name} API at {UriRedaction.Redact(settings.Uri)}"
                + (settings.UriSource == SettingSource.Environment ? $" (from {Endpoint.UrlVariable})" : string.Empty)
                + $" with {settings.Credential}"
                + (settings.CredentialSource == SettingSource.Environment ? $" (from {Endpoint.KeyVariable})." : "."));
            return settings;
        }

        protected HttpRetryOptions RetryOptions() => new HttpRetryOptions
        {
            MaximumRetryCount = MaximumRetryCount,
            RetryInterval = TimeSpan.FromSeconds(RetryIntervalSec),
            AttemptTimeout = TimeSpan.FromSeconds(TimeoutSec < 0 ? DefaultTimeoutSec : TimeoutSec),
        };

        protected HttpConnectionSettings ConnectionSettings() => new HttpConnectionSettings
        {
            SkipCertificateCheck = SkipCertificateCheck.IsPresent,
            Proxy = Proxy,
            ProxyCredential = ProxyCredential == null ? null : new NetworkCredential(ProxyCredential.UserName, ProxyCredential.Password),
        };

        /// <summary>An executor with this cmdlet's retry and connection settings, logging to <see cref="DicomToolsCmdlet.LogQueue"/>.</summary>
        /// <remarks>Disposed with the cmdlet.</remarks>
        protected HttpExecutor CreateExecutor()
        {
            _executor?.Dispose();
            _executor = HttpExecutor.Create(ConnectionSettings(), RetryOptions(), LogQueue);
            return _executor;
        }

        /// <summary>Reports a failed call as a non-terminating error for <paramref name="target"/> and goes on with the next item.</summary>
        protected void WriteHttpError(DicomToolsHttpException exception, string errorIdPrefix, object? target)
        {
            DrainLog();
            WriteError(HttpErrorRecords.Create(exception, errorIdPrefix, target));
        }

        public void Dispose()
        {
            _executor?.Dispose();
            _executor = null;
            GC.SuppressFinalize(this);
        }

        /// <summary>
        /// Waits for <paramref name="task"/> on the pipeline thread, writing its log lines (retries) as they arrive.
        /// Ctrl+C cancels the token the task was given; then this ends the pipeline.
        /// </summary>
        protected T Await<T>(Task<T> task)
        {
            while (!task.IsCompleted)
            {
                ((IAsyncResult)task).AsyncWaitHandle.WaitOne(100);
                DrainLog();
            }
            DrainLog();
            return task.GetAwaiter().GetResult();
        }
    }
}
