using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Threading.Tasks;
using DicomTools.Dicom;
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
    /// emits one SampleRunSummary and, when it fails, sends the log to LOG_URL (if set) and ends with a terminating error
    /// whose TargetObject is that summary, so that `pwsh -Command "Invoke-SampleUpload ..."` exits non-zero and
    /// `catch { $_.TargetObject }` still has the summary.
    /// </para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "SampleUpload", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(SampleRunSummary))]
    [OutputType(typeof(TagUpdateResult))]
    public sealed class InvokeSampleUploadCommand : SampleApisCmdletBase
    {
        public const string DefaultSampleId = "ref0000022tes-cbc";
        private const int ProgressActivityId = 0x5a4e;
        private const int UploadTimeoutSec = 600;

        // Bound by property name so that `Import-Csv samples.csv | Invoke-SampleUpload` runs one sample per row; the
        // aliases are the headers a lab's export is likely to have (binding ignores case: SampleID, SAMPLE_ID bind too).
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("sample_id", "sample-id", "Sample")]
        [ValidateNotNullOrEmpty]
        public string SampleId { get; set; } = DefaultSampleId;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("attempt_number", "attempt-number", "Attempt")]
        [ValidateRange(1, 999)]
        public int AttemptNumber { get; set; } = 1;

        /// <summary>The folder searched, at any depth, for *.dcm files.</summary>
        [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
        [Alias("Path", "Dir", "Folder", "directory_path")]
        [ValidateNotNullOrEmpty]
        public string Directory { get; set; } = "./data/";

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

        /// <summary>Do not send the log to LOG_URL when the run fails.</summary>
        [Parameter]
        public SwitchParameter NoLogSubmission { get; set; }

        private readonly List<IDisposable> _disposables = new List<IDisposable>();
        // Samples run one after another (each with the full -ThrottleLimit); a failed one is reported and the next one runs.
        private readonly List<SampleRunSummary> _failedSummaries = new List<SampleRunSummary>();
        private readonly List<string> _failedSamples = new List<string>();
        private int _samples;
        // The last failure is held back until the next sample starts: a single sample ends with it as the terminating
        // error (as before batches existed), a batch writes it and ends with one error naming every failed sample.
        private ErrorRecord? _pendingFailure;

        protected override void ProcessRecord()
        {
            if (_pendingFailure != null)
            {
                var pending = _pendingFailure;
                _pendingFailure = null;
                WriteError(pending);
            }
            _samples++;
            try
            {
                Run();
            }
            catch (SampleFailedException failed)
            {
                _failedSamples.Add($"{SampleId} (attempt {AttemptNumber})");
                if (failed.Record.TargetObject is SampleRunSummary summary) _failedSummaries.Add(summary);
                _pendingFailure = failed.Record;
            }
            finally
            {
                for (var i = _disposables.Count - 1; i >= 0; i--) _disposables[i].Dispose();
                _disposables.Clear();
                ResetLogQueue(RunLog.Current);
            }
        }

        protected override void EndProcessing()
        {
            try
            {
                if (_pendingFailure == null && _failedSamples.Count == 0) return;
                if (_samples == 1) ThrowTerminatingError(_pendingFailure!);
                if (_pendingFailure != null) WriteError(_pendingFailure);
                _pendingFailure = null;
                if (ErrorsSilenced()) return;
                var message = $"{_failedSamples.Count} of {_samples} samples failed: {string.Join(", ", _failedSamples)}. "
                    + "Each failure was reported above with its log file; the other samples ran to the end.";
                ThrowTerminatingError(new ErrorRecord(new SampleRunFailedException(Redactor.Redact(message), "Batch"),
                    "DicomTools.SampleRunsFailed", ErrorCategory.NotSpecified, _failedSummaries.ToArray())
                {
                    ErrorDetails = new ErrorDetails(Redactor.Redact(message))
                    {
                        RecommendedAction = "Fix each failed sample's cause (see its log) and run those rows again, with a new AttemptNumber where files were already sent.",
                    },
                });
            }
            finally
            {
                DisposeCancellation();
            }
        }

        /// <summary>-ErrorAction SilentlyContinue or Ignore (or the preference variable): the caller handles failures from the error stream.</summary>
        private bool ErrorsSilenced()
        {
            var preference = EffectiveErrorAction();
            return preference == ActionPreference.SilentlyContinue || preference == ActionPreference.Ignore;
        }

        /// <summary>One sample failed; the rest of the pipeline goes on (see <see cref="ProcessRecord"/>).</summary>
        private sealed class SampleFailedException : Exception
        {
            public SampleFailedException(ErrorRecord record) : base(record.Exception.Message) => Record = record;
            public ErrorRecord Record { get; }
        }

        /// <summary>How this cmdlet's parameters set each setting, for messages (the Engine names settings only).</summary>
        private static string ParameterOf(SettingDefinition setting)
        {
            if (setting == LabSettings.MetadataUri) return "-MetadataUri";
            if (setting == LabSettings.MetadataKey) return "-MetadataApiKey";
            if (setting == LabSettings.UploadUri) return "-UploadUri";
            if (setting == LabSettings.UploadKey) return "-UploadApiKey (or -UploadCredential)";
            if (setting == LabSettings.AnalyticsUri) return "-AnalyticsUri";
            if (setting == LabSettings.AnalyticsKey) return "-AnalyticsApiKey";
            if (setting == LabSettings.LogUri) return "-LogUri";
            if (setting == LabSettings.LogKey) return "-LogApiKey";
            if (setting == LabSettings.LogLevel) return "-LogLevel";
            return setting.Variable;
        }

        private void Run()
        {
            RegisterParameterSecrets();

            // As Send-DicomFile: -Atomic alone means one ZIP.
            var protocol = Atomic.IsPresent && !MyInvocation.BoundParameters.ContainsKey(nameof(Protocol)) ? UploadProtocol.Archive : Protocol;
            if (Atomic && protocol == UploadProtocol.Raw)
            {
                ThrowTerminatingError(new ErrorRecord(new PSArgumentException("-Atomic sends every file in one request: use it with -Protocol Archive or StowRs, not Raw."),
                    "DicomTools.AtomicNeedsOneRequest", ErrorCategory.InvalidArgument, protocol));
            }

            // Everything that can be wrong with the settings is found here, before a file is touched or a log opened.
            var directory = FullPath(Directory);
            var logPath = FullPath(LogPath ?? $"{SampleId}-{AttemptNumber}.log");
            var parameters = new SampleRunParameters(SampleId, AttemptNumber, directory, logPath)
            {
                MetadataUri = MetadataUri,
                MetadataCredential = KeyCredential(MetadataApiKey, ApiEndpoint.Metadata),
                UploadUri = UploadUri,
                UploadCredential = UploadCredentialFromParameters(),
                AnalyticsUri = AnalyticsUri,
                AnalyticsCredential = KeyCredential(AnalyticsApiKey, ApiEndpoint.Analytics),
                LogUri = LogUri,
                LogCredential = KeyCredential(LogApiKey, ApiEndpoint.Logs),
                LogLevel = LogLevel,
                SubmitLogOnFailure = !NoLogSubmission,
                Connection = ConnectionSettings(),
                ApiRetry = RetryOptions(),
                UploadRetry = RetryOptions(UploadTimeoutSec),
                Protocol = protocol,
                Atomic = Atomic.IsPresent,
                ServerKind = ServerKind,
                ThrottleLimit = ThrottleLimit,
            };
            var resolved = Resolve(parameters);
            foreach (var warning in resolved.Warnings) WriteWarning(warning);
            foreach (var endpoint in resolved.Endpoints) Redactor.Register(endpoint.Credential);
            foreach (var endpoint in resolved.Endpoints) CheckTransportSecurity(endpoint.Uri, endpoint.Credential);

            const string action = "Set the sample's tags, upload the files and start analytics";
            var target = $"sample {SampleId}, attempt {AttemptNumber}: *.dcm under {directory}";
            if (!ShouldProcess($"Performing the operation \"{action}\" on target \"{target}\".", $"{action} for {target}?", "Confirm", out var reason))
            {
                if (reason == ShouldProcessReason.WhatIf) Preview(resolved, directory, logPath);
                return;
            }

            // One run per sample directory, taken before the log file so a refused second run touches nothing of the first's.
            if (System.IO.Directory.Exists(directory))
            {
                SampleDirectoryLock directoryLock;
                try
                {
                    directoryLock = SampleDirectoryLock.Acquire(directory, SampleId, DateTimeOffset.Now);
                }
                catch (SampleDirectoryLockedException ex)
                {
                    throw new SampleFailedException(new ErrorRecord(ex, "DicomTools.SampleDirectoryLocked", ErrorCategory.ResourceUnavailable, directory));
                }
                _disposables.Add(directoryLock);
                if (directoryLock.TakeOverWarning != null) WriteWarning(directoryLock.TakeOverWarning);
            }

            // From here on every entry of this run, from any DicomTools code in this runspace, reaches the file.
            var file = Terminating(() => new LogFileWriter(logPath, resolved.LogLevel), "DicomTools.LogFileUnavailable", ErrorCategory.WriteError, logPath);
            _disposables.Add(file);
            _disposables.Add(RunLog.Attach(file));
            ResetLogQueue(file);
            Log(LogSeverity.Information, $"Invoke-SampleUpload {SampleId} attempt {AttemptNumber}; log {logPath} at level {LogLevels.FileName(resolved.LogLevel)}");
            foreach (var endpoint in resolved.Endpoints) Log(LogSeverity.Information, ResolvedSampleRun.Describe(endpoint));
            if (resolved.EnvFilePath != null) Log(LogSeverity.Debug, $"Settings not given as parameters or in the environment come from {resolved.EnvFilePath}");

            var prepared = SampleRunFactory.Create(resolved, LogQueue, Redactor);
            _disposables.Add(prepared);
            var result = Wait(prepared.Run.RunAsync(prepared.Request, CancellationToken), prepared.Run, prepared.Steps);
            var summary = new SampleRunSummary(result, resolved.EnvFilePath);
            WriteObject(summary);
            if (!result.Succeeded)
            {
                if (NoLogSubmission == false && resolved.Logs == null)
                    WriteVerbose($"LOG_URL is not set: the log was not sent; it is in {logPath}.");
                throw new SampleFailedException(FailureRecord(result, summary));
            }
        }

        /// <summary>
        /// -WhatIf: what the run would do, found with the run's own engines and changing nothing: no lock, no log
        /// file (its entries go to the verbose stream only), no temporary file, no upload, no analytics request.
        /// The metadata GET is the one request sent, as it only reads.
        /// </summary>
        private void Preview(ResolvedSampleRun resolved, string directory, string logPath)
        {
            WriteVerbose($"-WhatIf: no log file is written (the run would append to {logPath}); nothing is locked, tagged, uploaded or started.");
            using var prepared = SampleRunFactory.Create(resolved, LogQueue, Redactor);
            var preview = Await(SampleRunPreview.PreviewAsync(prepared.Request, prepared.Steps, CharacterSetPolicy.ConvertToUtf8, CancellationToken));
            WriteVerbose($"Found {preview.Files.Count} DICOM file(s) under {directory}"
                + (preview.PatientId == null ? "." : $"; PatientID would be {preview.PatientId}."));
            foreach (var outcome in preview.TagOutcomes)
            {
                if (outcome.Failure != null)
                {
                    WriteError(TagErrorRecords.ForFailure(outcome.Failure, outcome.SourcePath));
                    WriteObject(new TagUpdateResult(outcome.SourcePath, outcome.SourcePath, null, TagUpdateStatus.Failed, Array.Empty<DicomTagChange>(), outcome.Failure.Message));
                    continue;
                }
                var changes = outcome.Changes.Count == 0 ? "tags already right, nothing to write"
                    : string.Join("; ", outcome.Changes.Select(c => $"{c.Keyword} '{c.OldValue}' -> '{c.NewValue}'"));
                ShouldProcess($"Performing the operation \"Set tags ({changes})\" on target \"{outcome.SourcePath}\".", "Set tags?", "Confirm");
                WriteObject(new TagUpdateResult(outcome.SourcePath, outcome.SourcePath, outcome.SopInstanceUid, TagUpdateStatus.WhatIf, outcome.Changes, null));
            }
            if (preview.Problem != null)
            {
                var category = preview.Error is DicomToolsHttpException http ? HttpErrorRecords.CategoryOf(http.Kind)
                    : preview.Files.Count == 0 ? ErrorCategory.ObjectNotFound : ErrorCategory.InvalidData;
                var message = Redactor.Redact($"-WhatIf for sample {SampleId}, attempt {AttemptNumber}: {preview.Problem} Nothing was changed or sent.");
                WriteError(new ErrorRecord(new SampleRunFailedException(message, "WhatIf"), "DicomTools.WhatIfFoundProblem", category, SampleId)
                    { ErrorDetails = new ErrorDetails(message) });
                return;
            }
            var p = resolved.Parameters;
            var protocol = resolved.Upload.IsDimse ? UploadProtocol.Dimse : p.Protocol;
            var upload = SampleRunPreview.DescribeUpload(preview.Files.Count, preview.Bytes, resolved.Upload.Uri, protocol, p.Atomic, p.ThrottleLimit);
            ShouldProcess($"Performing the operation \"{upload}, with {resolved.Upload.Credential}\" on target \"sample {SampleId}, attempt {AttemptNumber}\".", "Upload?", "Confirm");
            ShouldProcess($"Performing the operation \"Start analytics (POST to {UriRedaction.Redact(resolved.Analytics.Uri)}, test type '{preview.Metadata?.TestType}') once every file is stored\" on target \"sample {SampleId}\".", "Start analytics?", "Confirm");
        }

        /// <summary>The Engine resolves and checks every setting; this phrases what it reports with this cmdlet's parameters.</summary>
        private ResolvedSampleRun Resolve(SampleRunParameters parameters)
        {
            try
            {
                return SampleRunFactory.Resolve(parameters, Settings);
            }
            catch (MissingSettingsException ex)
            {
                ThrowMissingSettings(ex, ParameterOf, "DicomTools.MissingSetting", "Nothing was changed or sent.");
                throw;
            }
            catch (InvalidSettingException ex)
            {
                var isLevel = ex.Setting == LabSettings.LogLevel;
                ThrowInvalidSetting(ex, ParameterOf, isLevel ? "DicomTools.InvalidLogLevel" : "DicomTools.InvalidUri",
                    isLevel ? (object?)LogLevel ?? ex.Setting.Variable : ex.Setting.Variable);
                throw;
            }
            catch (ArgumentException ex)
            {
                var record = new ErrorRecord(ex, "DicomTools.InvalidUri", ErrorCategory.InvalidArgument, null);
                // The factory refuses parameters that contradict the upload URL (an HTTP protocol or -Atomic with dicom://).
                if (ex.ParamName == "parameters")
                    record.ErrorDetails = new ErrorDetails(ex.Message)
                    { RecommendedAction = "For a dicom:// -UploadUri (or U_URL) leave out -Protocol StowRs/Archive and -Atomic; for those give an http(s) upload URL." };
                ThrowTerminatingError(record);
                throw;
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

        /// <remarks>The record's TargetObject is the run's summary: `catch { $_.TargetObject }` has it even where the output was lost.</remarks>
        private ErrorRecord FailureRecord(SampleRunResult result, SampleRunSummary summary)
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
                "DicomTools.SampleRunFailed." + result.FailedStage, category, summary);
            record.ErrorDetails = new ErrorDetails(Redactor.Redact(message))
            {
                RecommendedAction = $"Read the log {result.LogPath}, fix the cause, and run again (a new -AttemptNumber gives the files a new PatientID).",
            };
            return record;
        }

        private string FullPath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

        private static T Terminating<T>(Func<T> action, string errorId, ErrorCategory category, object? target)
        {
            try
            {
                return action();
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException)
            {
                throw new SampleFailedException(new ErrorRecord(ex, errorId, category, target));
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
