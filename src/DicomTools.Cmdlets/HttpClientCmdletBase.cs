using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Net;
using System.Threading.Tasks;
using DicomTools.Engine.Http;
using DicomTools.Engine.Settings;

namespace DicomTools.Cmdlets
{
    /// <summary>
    /// What every cmdlet that calls a lab API shares, as PowerShell's WebRequestPSCmdlet does for the web cmdlets:
    /// the retry, timeout, TLS and proxy parameters (named as Invoke-RestMethod names them), the settings layers
    /// below the parameters (environment, then -EnvFile or ./.env), and waiting for a call on the pipeline thread
    /// while its log lines (one per retry) are written as they come.
    /// </summary>
    public abstract class HttpClientCmdletBase : DicomToolsCmdlet, IDisposable
    {
        private readonly List<HttpExecutor> _executors = new List<HttpExecutor>();
        private SettingsResolver? _settings;
        private double? _timeoutSec;

        /// <summary>The time one attempt may take when -TimeoutSec is not given.</summary>
        protected virtual int DefaultTimeoutSec => 100;

        [Parameter]
        [Alias("BackoffAttempts", "backoff_attempts")]
        [ValidateRange(0, 100)]
        public int MaximumRetryCount { get; set; } = HttpRetryOptions.DefaultMaximumRetryCount;

        [Parameter]
        [ValidateRange(0.0, 3600.0)]
        public double RetryIntervalSec { get; set; } = HttpRetryOptions.DefaultRetryInterval.TotalSeconds;

        /// <summary>Seconds one attempt may take, sending and reading included; 0 = no limit. Reads as the default when not given.</summary>
        [Parameter]
        [ValidateRange(0.0, 86400.0)]
        public double TimeoutSec
        {
            get => _timeoutSec ?? DefaultTimeoutSec;
            set => _timeoutSec = value;
        }

        [Parameter]
        public SwitchParameter SkipCertificateCheck { get; set; }

        [Parameter]
        [ValidateNotNull]
        public Uri? Proxy { get; set; }

        [Parameter]
        [Credential]
        [ValidateNotNull]
        public PSCredential? ProxyCredential { get; set; }

        /// <summary>Lets HTTP Basic credentials and Bearer tokens go over http:// to a host other than loopback (refused otherwise, as Invoke-RestMethod does).</summary>
        [Parameter]
        public SwitchParameter AllowUnencryptedAuthentication { get; set; }

        /// <summary>A .env file read as python-dotenv reads it, for settings not given as parameters or in the environment; default ./.env when it exists.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? EnvFile { get; set; }

        /// <summary>-TimeoutSec when it was given, else null (the caller's default applies).</summary>
        protected double? GivenTimeoutSec => _timeoutSec;

        /// <summary>
        /// The settings below the parameters: the environment, then -EnvFile (which must exist) or ./.env. Loaded
        /// once; a missing -EnvFile ends the command, and lines the file's parser skipped are warnings.
        /// </summary>
        protected SettingsResolver Settings => _settings ??= LoadSettings();

        /// <summary>True when -EnvFile was given: then the file is read (and must exist) even if every setting is a parameter.</summary>
        protected bool EnvFileGiven => EnvFile != null;

        private SettingsResolver LoadSettings()
        {
            var current = SessionState.Path.CurrentFileSystemLocation.ProviderPath;
            SettingsResolver resolver;
            try
            {
                var path = EnvFile == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(EnvFile);
                resolver = SettingsResolver.ForProcess(path, current, Redactor);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException
                || ex is NotSupportedException || ex is ItemNotFoundException || ex is System.Management.Automation.DriveNotFoundException || ex is ProviderNotFoundException)
            {
                var category = ex is FileNotFoundException || ex is ItemNotFoundException ? ErrorCategory.ObjectNotFound
                    : ex is UnauthorizedAccessException ? ErrorCategory.PermissionDenied : ErrorCategory.ReadError;
                ThrowTerminatingError(new ErrorRecord(ex, "DicomTools.EnvFileNotFound", category, EnvFile));
                throw; // not reached
            }
            foreach (var warning in resolver.EnvFile.Warnings) WriteWarning($"{resolver.EnvFile.Path}: {warning}; the line was skipped.");
            return resolver;
        }

        /// <summary>-MaximumRetryCount, -RetryIntervalSec and -TimeoutSec (else <paramref name="defaultTimeoutSec"/>, else <see cref="DefaultTimeoutSec"/>).</summary>
        protected HttpRetryOptions RetryOptions(double? defaultTimeoutSec = null) => new HttpRetryOptions
        {
            MaximumRetryCount = MaximumRetryCount,
            RetryInterval = TimeSpan.FromSeconds(RetryIntervalSec),
            AttemptTimeout = TimeSpan.FromSeconds(_timeoutSec ?? defaultTimeoutSec ?? DefaultTimeoutSec),
        };

        protected HttpConnectionSettings ConnectionSettings() => new HttpConnectionSettings
        {
            SkipCertificateCheck = SkipCertificateCheck.IsPresent,
            Proxy = Proxy,
            ProxyCredential = ProxyCredential == null ? null : new NetworkCredential(ProxyCredential.UserName, ProxyCredential.Password),
        };

        /// <summary>An executor with this cmdlet's retry and connection settings, logging to <see cref="DicomToolsCmdlet.LogQueue"/>; disposed with the cmdlet.</summary>
        protected HttpExecutor CreateExecutor(HttpRetryOptions? retry = null)
        {
            var executor = HttpExecutor.Create(ConnectionSettings(), retry ?? RetryOptions(), LogQueue);
            _executors.Add(executor);
            return executor;
        }

        /// <summary>
        /// Ends the command for settings the Engine found missing, phrased with this cmdlet's parameter names
        /// (<paramref name="parameterOf"/>); the Engine names only the settings and their variables.
        /// </summary>
        protected void ThrowMissingSettings(MissingSettingsException exception, Func<SettingDefinition, string> parameterOf, string errorId, string consequence)
        {
            DrainLog();
            ThrowTerminatingError(HttpErrorRecords.MissingSettings(exception, parameterOf, errorId, consequence));
        }

        /// <summary>Ends the command for an unusable setting; a parameter's problem is phrased with its name.</summary>
        protected void ThrowInvalidSetting(InvalidSettingException exception, Func<SettingDefinition, string> parameterOf, string errorId, object? target)
        {
            DrainLog();
            var message = exception.Layer == SettingLayer.Parameter ? exception.MessageFor(parameterOf(exception.Setting)) : exception.Message;
            ThrowTerminatingError(new ErrorRecord(new PSArgumentException(message, exception), errorId, ErrorCategory.InvalidArgument, target));
        }

        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<System.Management.Automation.Runspaces.Runspace, object> WarnedAboutPlainHttpKey =
            new System.Runtime.CompilerServices.ConditionalWeakTable<System.Management.Automation.Runspaces.Runspace, object>();

        /// <summary>
        /// Ends the command before anything is sent when <paramref name="credential"/> (Basic or Bearer) would travel
        /// over plain http without -AllowUnencryptedAuthentication; an API key over http is allowed with one warning
        /// per session (runspace). Loopback is always allowed (see <see cref="TransportSecurity"/>).
        /// </summary>
        protected void CheckTransportSecurity(Uri uri, ApiCredential? credential)
        {
            switch (TransportSecurity.Judge(uri, credential, AllowUnencryptedAuthentication.IsPresent))
            {
                case TransportVerdict.Refused:
                    DrainLog();
                    var record = new ErrorRecord(new InvalidOperationException(TransportSecurity.RefusalMessage(uri, credential!, "-" + nameof(AllowUnencryptedAuthentication))),
                        "DicomTools.UnencryptedAuthentication", ErrorCategory.SecurityError, UriRedaction.Redact(uri));
                    record.ErrorDetails = new ErrorDetails(TransportSecurity.RefusalMessage(uri, credential!, "-" + nameof(AllowUnencryptedAuthentication)))
                    {
                        RecommendedAction = "Use an https:// URI, or add " + "-" + nameof(AllowUnencryptedAuthentication) + ".",
                    };
                    ThrowTerminatingError(record);
                    break;
                case TransportVerdict.AllowedWithWarning:
                    var runspace = System.Management.Automation.Runspaces.Runspace.DefaultRunspace;
                    if (runspace != null && WarnedAboutPlainHttpKey.TryGetValue(runspace, out _)) break;
                    if (runspace != null) WarnedAboutPlainHttpKey.GetValue(runspace, _ => new object());
                    WriteWarning(TransportSecurity.WarningMessage(uri, credential!));
                    break;
            }
        }

        public void Dispose()
        {
            foreach (var executor in _executors) executor.Dispose();
            _executors.Clear();
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
