using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Security;
using System.Threading.Tasks;
using DicomTools.Engine.Analytics;
using DicomTools.Engine.Http;
using DicomTools.Engine.Logging;
using DicomTools.Engine.Metadata;
using DicomTools.Engine.Run;
using DicomTools.Engine.Settings;
using DicomTools.Engine.Upload;
// The cmdlet has a -LogLevel parameter, so the type goes by another name here.
using LogSeverity = Microsoft.Extensions.Logging.LogLevel;

namespace DicomTools.Cmdlets.Commands
{
    /// <summary>
    /// <para type="synopsis">Runs a whole sample, as the original script did: metadata, tags on every *.dcm under the folder, upload, then analytics when every file is stored.</para>
    /// <para type="description">
    /// Settings come from the parameters, then the environment (MD_URL MD_KEY U_URL U_KEY A_URL A_KEY LOG_LEVEL LOG_URL LOG_KEY),
    /// then a .env file (-EnvFile, or ./.env). The run writes a log file (-LogPath, default &lt;SampleId&gt;-&lt;AttemptNumber&gt;.log),
    /// emits one SampleRunSummary and, when it fails, sends the log to LOG_URL (if set) and ends with a terminating error,
    /// so that `pwsh -Command "Invoke-SampleUpload ..."` exits non-zero.
    /// </para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "SampleUpload", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(SampleRunSummary))]
    public sealed class InvokeSampleUploadCommand : DicomToolsCmdlet
    {
        public const string DefaultSampleId = "ref0000022tes-cbc";
        private const int ProgressActivityId = 0x5a4e;

        [Parameter(Position = 0)]
        [Alias("sample_id")]
        [ValidateNotNullOrEmpty]
        public string SampleId { get; set; } = DefaultSampleId;

        [Parameter]
        [Alias("attempt_number")]
        [ValidateRange(1, 999)]
        public int AttemptNumber { get; set; } = 1;

        /// <summary>The folder searched, at any depth, for *.dcm files.</summary>
        [Parameter(Position = 1)]
        [Alias("Path")]
        [ValidateNotNullOrEmpty]
        public string Directory { get; set; } = "./data/";

        [Parameter]
        [Alias("BackoffAttempts", "backoff_attempts")]
        [ValidateRange(0, 100)]
        public int MaximumRetryCount { get; set; } = HttpRetryOptions.DefaultMaximumRetryCount;

        [Parameter]
        [ValidateRange(0, 3600)]
        public double RetryIntervalSec { get; set; } = HttpRetryOptions.DefaultRetryInterval.TotalSeconds;

        /// <summary>Seconds one attempt of an API call may take (uploads get at least 600); 0 = no limit.</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public double TimeoutSec { get; set; } = -1;

        /// <summary>Concurrent uploads (and tag writers).</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 4;

        [Parameter]
        public UploadProtocol Protocol { get; set; } = UploadProtocol.Raw;

        [Parameter]
        public SwitchParameter Atomic { get; set; }

        [Parameter]
        public UploadServerKind ServerKind { get; set; } = UploadServerKind.Auto;

        /// <summary>The log file; default &lt;SampleId&gt;-&lt;AttemptNumber&gt;.log in the current folder. Appended to.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? LogPath { get; set; }

        /// <summary>The log file's level: DEBUG, INFO, WARNING, ERROR, CRITICAL (or .NET names); else LOG_LEVEL; else INFO.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(LogLevelCompleter))]
        [ValidateNotNullOrEmpty]
        public string? LogLevel { get; set; }

        /// <summary>A .env file read as python-dotenv reads it; default ./.env when it exists.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? EnvFile { get; set; }

        /// <summary>Do not send the log to LOG_URL when the run fails.</summary>
        [Parameter]
        public SwitchParameter NoLogSubmission { get; set; }

        [Parameter] [ValidateNotNull] public Uri? MetadataUri { get; set; }
        [Parameter] [ValidateNotNull] public SecureString? MetadataApiKey { get; set; }
        [Parameter] [ValidateNotNull] public Uri? UploadUri { get; set; }
        [Parameter] [ValidateNotNull] public SecureString? UploadApiKey { get; set; }
        /// <summary>HTTP Basic for the upload API instead of -UploadApiKey (Orthanc).</summary>
        [Parameter] [Credential] [ValidateNotNull] public PSCredential? UploadCredential { get; set; }
        [Parameter] [ValidateNotNull] public Uri? AnalyticsUri { get; set; }
        [Parameter] [ValidateNotNull] public SecureString? AnalyticsApiKey { get; set; }
        [Parameter] [ValidateNotNull] public Uri? LogUri { get; set; }
        [Parameter] [ValidateNotNull] public SecureString? LogApiKey { get; set; }

        [Parameter] public SwitchParameter SkipCertificateCheck { get; set; }
        [Parameter] [ValidateNotNull] public Uri? Proxy { get; set; }
        [Parameter] [Credential] [ValidateNotNull] public PSCredential? ProxyCredential { get; set; }

        private readonly List<IDisposable> _disposables = new List<IDisposable>();

        protected override void EndProcessing()
        {
            try
            {
                Run();
            }
            finally
            {
                for (var i = _disposables.Count - 1; i >= 0; i--) _disposables[i].Dispose();
                _disposables.Clear();
                DisposeCancellation();
            }
        }

        private void Run()
        {
            RegisterParameterSecrets();
            var current = SessionState.Path.CurrentFileSystemLocation.ProviderPath;

            // Everything that can be wrong with the settings is found here, before a file is touched or a log opened.
            var resolver = Terminating(() => SettingsResolver.ForProcess(EnvFile == null ? null : FullPath(EnvFile), current),
                "DicomTools.EnvFileNotFound", ErrorCategory.ObjectNotFound, EnvFile);
            foreach (var warning in resolver.EnvFile.Warnings) WriteWarning($"{resolver.EnvFile.Path}: {warning}; the line was skipped.");
            RequireSettings(resolver);
            var level = ResolveLogLevel(resolver);
            var directory = FullPath(Directory);
            var logPath = FullPath(LogPath ?? $"{SampleId}-{AttemptNumber}.log");

            var metadataEndpoint = Endpoint(ApiEndpoint.Metadata, MetadataUri, MetadataApiKey == null ? null : ApiCredential.ApiKey(MetadataApiKey, ApiEndpoint.Metadata.DefaultKeyHeader), resolver, "MetadataUri", "MetadataApiKey");
            var uploadEndpoint = Endpoint(ApiEndpoint.Upload, UploadUri, UploadCredentialFromParameters(), resolver, "UploadUri", "UploadApiKey");
            var analyticsEndpoint = Endpoint(ApiEndpoint.Analytics, AnalyticsUri, AnalyticsApiKey == null ? null : ApiCredential.ApiKey(AnalyticsApiKey, ApiEndpoint.Analytics.DefaultKeyHeader), resolver, "AnalyticsUri", "AnalyticsApiKey");
            var logEndpoint = NoLogSubmission ? null : ResolveLogEndpoint(resolver);

            // As Send-DicomFile: -Atomic alone means one ZIP.
            var protocol = Atomic.IsPresent && !MyInvocation.BoundParameters.ContainsKey(nameof(Protocol)) ? UploadProtocol.Archive : Protocol;
            var uploadOptions = new UploadOptions(uploadEndpoint.Uri)
            {
                Protocol = protocol,
                Atomic = Atomic.IsPresent,
                ThrottleLimit = ThrottleLimit,
                ServerKind = ServerKind,
            };
            if (Atomic && protocol == UploadProtocol.Raw)
            {
                ThrowTerminatingError(new ErrorRecord(new PSArgumentException("-Atomic sends every file in one request: use it with -Protocol Archive or StowRs, not Raw."),
                    "DicomTools.AtomicNeedsOneRequest", ErrorCategory.InvalidArgument, protocol));
            }

            if (!ShouldProcess($"sample {SampleId}, attempt {AttemptNumber}: *.dcm under {directory}",
                "Set the sample's tags, upload the files and start analytics")) return;

            // From here on every entry of this run, from any DicomTools code in this runspace, reaches the file.
            var file = Terminating(() => new LogFileWriter(logPath, level), "DicomTools.LogFileUnavailable", ErrorCategory.WriteError, logPath);
            _disposables.Add(file);
            _disposables.Add(RunLog.Attach(file));
            ResetLogQueue(file);
            Log(LogSeverity.Information, $"Invoke-SampleUpload {SampleId} attempt {AttemptNumber}; log {logPath} at level {LogLevels.FileName(level)}");
            LogEndpoint(metadataEndpoint);
            LogEndpoint(uploadEndpoint);
            LogEndpoint(analyticsEndpoint);
            if (logEndpoint != null) LogEndpoint(logEndpoint);
            if (resolver.EnvFile.Path != null) Log(LogSeverity.Debug, $"Settings not given as parameters or in the environment come from {resolver.EnvFile.Path}");

            var apiExecutor = Executor(TimeoutSec < 0 ? 100 : TimeoutSec);
            var uploadExecutor = Executor(TimeoutSec < 0 ? 600 : TimeoutSec);
            var steps = new EngineSampleRunSteps(
                new MetadataClient(apiExecutor, metadataEndpoint),
                new AnalyticsClient(apiExecutor, analyticsEndpoint),
                uploadOptions,
                new HttpExecutorUploadSender(uploadExecutor, uploadEndpoint.Credential),
                logEndpoint == null ? null : new LogSubmitter(apiExecutor, logEndpoint),
                new SampleRunStepOptions { TagThrottleLimit = Math.Max(ThrottleLimit, 2) },
                LogQueue);
            var run = new SampleRun(steps, LogQueue, Redactor);
            var request = new SampleRunRequest(SampleId, AttemptNumber, directory)
            {
                LogPath = logPath,
                SubmitLogOnFailure = !NoLogSubmission,
            };

            var result = Wait(run.RunAsync(request, CancellationToken), run, steps);
            var summary = new SampleRunSummary(result, resolver.EnvFile.Path);
            WriteObject(summary);
            if (!result.Succeeded)
            {
                if (NoLogSubmission == false && logEndpoint == null)
                    WriteVerbose($"LOG_URL is not set: the log was not sent; it is in {logPath}.");
                ThrowTerminatingError(FailureRecord(result));
            }
        }

        /// <summary>Waits on the pipeline thread, writing the run's log lines and progress as they come.</summary>
        private SampleRunResult Wait(Task<SampleRunResult> task, SampleRun run, EngineSampleRunSteps steps)
        {
            var lastProgress = DateTime.MinValue;
            while (!task.IsCompleted)
            {
                ((IAsyncResult)task).AsyncWaitHandle.WaitOne(100);
                DrainLog();
                if (DateTime.UtcNow - lastProgress > TimeSpan.FromMilliseconds(250))
                {
                    WriteProgress(Progress(run.Progress, steps.UploadProgress));
                    lastProgress = DateTime.UtcNow;
                }
            }
            DrainLog();
            WriteProgress(new ProgressRecord(ProgressActivityId, "Invoke-SampleUpload", "Done") { RecordType = ProgressRecordType.Completed });
            return task.GetAwaiter().GetResult();
        }

        private ProgressRecord Progress(SampleRunProgress progress, UploadProgress? upload)
        {
            var found = progress.FilesFound;
            string status;
            int percent = -1;
            switch (progress.Stage)
            {
                case SampleRunStage.Files: status = "Looking for *.dcm files"; break;
                case SampleRunStage.Metadata: status = $"Fetching the metadata of {SampleId}"; break;
                case SampleRunStage.Tagging:
                    status = $"Tagging: {progress.FilesTagged} of {found} files";
                    percent = found == 0 ? -1 : progress.FilesTagged * 100 / found;
                    break;
                case SampleRunStage.Upload:
                    var sent = upload?.BytesSent ?? 0;
                    var total = upload?.BytesTotal ?? 0;
                    status = $"Uploading: {progress.FilesUploaded} of {found} files, {sent / 1048576.0:0.0} of {total / 1048576.0:0.0} MB";
                    percent = total > 0 ? (int)Math.Min(100, sent * 100 / total) : -1;
                    break;
                case SampleRunStage.Analytics: status = "Starting analytics"; break;
                default: status = "Finishing"; break;
            }
            return new ProgressRecord(ProgressActivityId, $"Invoke-SampleUpload {SampleId} (attempt {AttemptNumber})", status) { PercentComplete = percent };
        }

        private ErrorRecord FailureRecord(SampleRunResult result)
        {
            var message = $"Sample {result.SampleId}, attempt {result.AttemptNumber} failed: {result.FailureMessage} The log is {result.LogPath}"
                + (result.LogSubmitted ? " (sent to the log API)." : ".");
            var category = result.Error is DicomToolsHttpException http
                ? HttpErrorRecords.CategoryOf(http.Kind)
                : result.FailedStage switch
                {
                    SampleRunStage.Files => ErrorCategory.ObjectNotFound,
                    SampleRunStage.Tagging => ErrorCategory.InvalidData,
                    SampleRunStage.Upload => ErrorCategory.ResourceUnavailable,
                    SampleRunStage.Cancelled => ErrorCategory.OperationStopped,
                    _ => ErrorCategory.NotSpecified,
                };
            var record = new ErrorRecord(new SampleRunFailedException(Redactor.Redact(message), result.FailedStage.ToString()),
                "DicomTools.SampleRunFailed." + result.FailedStage, category, result.SampleId);
            record.ErrorDetails = new ErrorDetails(Redactor.Redact(message))
            {
                RecommendedAction = $"Read the log {result.LogPath}, fix the cause, and run again (a new -AttemptNumber gives the files a new PatientID).",
            };
            return record;
        }

        private void RegisterParameterSecrets()
        {
            foreach (var key in new[] { MetadataApiKey, UploadApiKey, AnalyticsApiKey, LogApiKey }) Redactor.Register(key);
            if (UploadCredential != null) Redactor.RegisterBasicCredential(UploadCredential.UserName, UploadCredential.Password);
            if (ProxyCredential != null) Redactor.RegisterBasicCredential(ProxyCredential.UserName, ProxyCredential.Password);
        }

        /// <summary>All missing settings in one error, each named by its variable and its parameter.</summary>
        private void RequireSettings(SettingsResolver resolver)
        {
            var given = new Dictionary<SettingDefinition, bool>
            {
                [SampleRunSettings.MetadataUri] = MetadataUri != null,
                [SampleRunSettings.MetadataKey] = MetadataApiKey != null,
                [SampleRunSettings.UploadUri] = UploadUri != null,
                [SampleRunSettings.UploadKey] = UploadApiKey != null || UploadCredential != null,
                [SampleRunSettings.AnalyticsUri] = AnalyticsUri != null,
                [SampleRunSettings.AnalyticsKey] = AnalyticsApiKey != null,
            };
            try
            {
                resolver.Require(given.Where(g => !g.Value).Select(g => g.Key), _ => null);
            }
            catch (MissingSettingsException ex)
            {
                var record = new ErrorRecord(new PSArgumentException(ex.Message), "DicomTools.MissingSetting", ErrorCategory.InvalidArgument,
                    string.Join(",", ex.Missing.Select(m => m.Variable)));
                record.ErrorDetails = new ErrorDetails(ex.Message)
                {
                    RecommendedAction = "Give " + string.Join(", ", ex.Missing.Select(m => m.Parameter)) + ", or set "
                        + string.Join(", ", ex.Missing.Select(m => m.Variable)) + " in the environment or the .env file.",
                };
                ThrowTerminatingError(record);
            }
        }

        private LogSeverity ResolveLogLevel(SettingsResolver resolver)
        {
            var setting = resolver.Resolve(SampleRunSettings.LogLevel, LogLevel);
            if (setting == null) return LogSeverity.Information;
            return Terminating(() => LogLevels.Parse(setting.Value, setting.Origin), "DicomTools.InvalidLogLevel", ErrorCategory.InvalidArgument, setting.Value);
        }

        private ApiCredential? UploadCredentialFromParameters()
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

        private EndpointSettings Endpoint(ApiEndpoint api, Uri? uri, ApiCredential? credential, SettingsResolver resolver, string uriParameter, string keyParameter)
        {
            try
            {
                var endpoint = EndpointSettings.Resolve(api, uri, credential, null, resolver, uriParameter, keyParameter);
                Redactor.Register(endpoint.Credential);
                return endpoint;
            }
            catch (DicomTools.Engine.Http.MissingSettingException ex)
            {
                ThrowTerminatingError(HttpErrorRecords.MissingSetting(ex));
                throw;
            }
            catch (ArgumentException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "DicomTools.InvalidUri", ErrorCategory.InvalidArgument, uri));
                throw;
            }
        }

        /// <summary>The log API, when LOG_URL (or -LogUri) is set; a URL without a key is a warning, not a failure of the run.</summary>
        private EndpointSettings? ResolveLogEndpoint(SettingsResolver resolver)
        {
            var uri = resolver.Resolve(SampleRunSettings.LogUri, LogUri?.OriginalString);
            if (uri == null) return null;
            var key = LogApiKey != null ? null : resolver.Resolve(SampleRunSettings.LogKey, null);
            if (LogApiKey == null && key == null)
            {
                WriteWarning($"LOG_URL is set ({uri.Origin}) but LOG_KEY is not (-LogApiKey): a failed run cannot send its log.");
                return null;
            }
            return Endpoint(ApiEndpoint.Logs, LogUri, LogApiKey == null ? null : ApiCredential.ApiKey(LogApiKey, ApiEndpoint.Logs.DefaultKeyHeader),
                resolver, "LogUri", "LogApiKey");
        }

        private void LogEndpoint(EndpointSettings endpoint) =>
            Log(LogSeverity.Information, $"The {endpoint.Api.Name} API is {UriRedaction.Redact(endpoint.Uri)}"
                + (endpoint.UriSource == DicomTools.Engine.Http.SettingSource.Environment ? $" ({endpoint.Api.UrlVariable})" : " (parameter)")
                + $", with {endpoint.Credential}");

        private HttpExecutor Executor(double timeoutSec)
        {
            var executor = HttpExecutor.Create(
                new HttpConnectionSettings
                {
                    SkipCertificateCheck = SkipCertificateCheck.IsPresent,
                    Proxy = Proxy,
                    ProxyCredential = ProxyCredential == null ? null : new NetworkCredential(ProxyCredential.UserName, ProxyCredential.Password),
                },
                new HttpRetryOptions
                {
                    MaximumRetryCount = MaximumRetryCount,
                    RetryInterval = TimeSpan.FromSeconds(RetryIntervalSec),
                    AttemptTimeout = TimeSpan.FromSeconds(timeoutSec),
                },
                LogQueue);
            _disposables.Add(executor);
            return executor;
        }

        private string FullPath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

        private T Terminating<T>(Func<T> action, string errorId, ErrorCategory category, object? target)
        {
            try
            {
                return action();
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException)
            {
                ThrowTerminatingError(new ErrorRecord(ex, errorId, category, target));
                throw;
            }
        }
    }

    /// <summary>The run failed; the summary was written and the log kept (and sent, when LOG_URL is set).</summary>
    public sealed class SampleRunFailedException : Exception
    {
        public SampleRunFailedException(string message, string stage) : base(message) => Stage = stage;
        public string Stage { get; }
    }

    /// <summary>Tab-completes -LogLevel with the names the original script's LOG_LEVEL took.</summary>
    public sealed class LogLevelCompleter : IArgumentCompleter
    {
        private static readonly string[] Names = { "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL" };

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
            string wordToComplete, System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters) =>
            Names.Where(n => n.StartsWith(wordToComplete ?? string.Empty, StringComparison.OrdinalIgnoreCase))
                .Select(n => new CompletionResult(n));
    }
}
