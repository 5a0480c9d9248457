using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using DicomTools.Dicom.Network;
using DicomTools.Engine.Http;
using DicomTools.Engine.Tagging;
using DicomTools.Engine.Upload;
using DicomTools.Engine.Upload.Scheduling;

namespace DicomTools.Cmdlets.Commands
{
    /// <summary>
    /// Send-DicomFile: uploads DICOM files, several at a time, with the module's retries, and says per file what the
    /// server did with it: one result per input, in input order. Workers only queue; this cmdlet writes results,
    /// errors, warnings, progress and verbose lines on the pipeline thread.
    /// </summary>
    [Cmdlet(VerbsCommunications.Send, "DicomFile", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(UploadResult))]
    public sealed class SendDicomFileCommand : HttpCmdletBase, IDisposable
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";
        private const string TagResultSet = "TagUpdateResult";
        private const int ProgressActivityId = 0x5e4d;
        // While a long request runs, EndProcessing wakes this often to refresh progress and log lines; a result wakes it at once.
        private static readonly TimeSpan ProgressRefresh = TimeSpan.FromMilliseconds(250);

        private UploadScheduler? _scheduler;
        private UploadOptions? _options;
        private UploadProtocol _protocol;
        private ProgressMeter? _progress;
        // What the cmdlet knows of each input the scheduler has, in input order (results come back in that order).
        private readonly Queue<TagUpdateStatus?> _inputs = new Queue<TagUpdateStatus?>();
        private bool _refusalReported;
        private bool _stopped;
        private bool _stopAtFirstError;

        /// <summary>Files to send; wildcards allowed. Strings from the pipeline bind here.</summary>
        /// <remarks>Not by property name: our result objects have a Path, which would bind here as a wildcard pattern (breaking names with brackets).</remarks>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PathSet)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>Files to send, taken as written; Get-ChildItem output binds here by PSPath.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>
        /// Set-DicomTags results. They bind here (by exact type, before PSPath is tried) so that their Status is seen:
        /// a Failed, WhatIf or Skipped result is not sent, with a warning.
        /// </summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = TagResultSet)]
        [ValidateNotNull]
        public TagUpdateResult[] InputObject { get; set; } = Array.Empty<TagUpdateResult>();

        /// <summary>Raw (one POST per file), StowRs (DICOMweb multipart, -BatchSize files per request) or Archive (one ZIP).</summary>
        [Parameter]
        public UploadProtocol Protocol { get; set; } = UploadProtocol.Raw;

        /// <summary>Every file in one request; if any file fails, none is reported stored (see the help for what the server must guarantee).</summary>
        [Parameter]
        public SwitchParameter Atomic { get; set; }

        /// <summary>What -Atomic relies on: Auto asks the server (GET /system answers Orthanc); Orthanc verifies and rolls back; AllOrNothing trusts the server.</summary>
        [Parameter]
        public UploadServerKind ServerKind { get; set; } = UploadServerKind.Auto;

        /// <summary>Requests in flight at once (Raw: files; StowRs: batches).</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 4;

        /// <summary>Files per STOW-RS request.</summary>
        [Parameter]
        [ValidateRange(1, 10000)]
        public int BatchSize { get; set; } = UploadOptions.DefaultBatchSize;

        /// <summary>Content-Type of a Raw body and of each STOW-RS part.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string ContentType { get; set; } = "application/dicom";

        /// <summary>-Protocol Dimse: the archive's host name or address (or give -Uri dicom://CALLED@host:port).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ComputerName { get; set; }

        /// <summary>-Protocol Dimse: the archive's DICOM port.</summary>
        [Parameter]
        [ValidateRange(1, 65535)]
        public int Port { get; set; } = 104;

        /// <summary>-Protocol Dimse: the archive's AE title.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? CalledAETitle { get; set; }

        /// <summary>-Protocol Dimse: our AE title, as the archive knows it.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string CallingAETitle { get; set; } = DicomAssociationOptions.DefaultCallingAETitle;

        protected override ApiEndpoint Endpoint => ApiEndpoint.Upload;

        /// <summary>A large file on a slow link takes minutes; one attempt may take 10 minutes unless -TimeoutSec says otherwise.</summary>
        protected override int DefaultTimeoutSec => 600;

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            _stopAtFirstError = EffectiveErrorAction() == ActionPreference.Stop;
            var protocol = Protocol;
            if (Atomic.IsPresent && !MyInvocation.BoundParameters.ContainsKey(nameof(Protocol))) protocol = UploadProtocol.Archive;
            if (Atomic.IsPresent && protocol == UploadProtocol.Raw)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new PSArgumentException("-Atomic sends every file in one request: use it with -Protocol Archive or StowRs, not Raw.", nameof(Atomic)),
                    "DicomTools.AtomicNeedsOneRequest", ErrorCategory.InvalidArgument, protocol));
            }
            var archive = ResolveArchive(ref protocol);
            if (archive != null)
            {
                BeginDimse(protocol, archive);
                return;
            }
            var endpoint = ResolveEndpoint();
            _protocol = protocol;
            _options = new UploadOptions(endpoint.Uri)
            {
                Protocol = protocol,
                ContentType = ContentType,
                BatchSize = BatchSize,
                ThrottleLimit = ThrottleLimit,
                Atomic = Atomic.IsPresent,
                ServerKind = ServerKind,
            };
            _scheduler = new UploadScheduler(_options, new HttpExecutorUploadSender(CreateExecutor(), endpoint.Credential), LogQueue, CancellationToken);
            _progress = new ProgressMeter();
            if (Atomic.IsPresent)
                WriteVerbose($"-Atomic: all files go in one {protocol} request when the input ends; server kind {ServerKind}.");
        }

        /// <summary>
        /// The archive for -Protocol Dimse, from -ComputerName/-Port/-CalledAETitle/-CallingAETitle or a dicom:// URI
        /// (-Uri, else U_URL): dicom://CALLED@host[:port] or dicom://CALLING:CALLED@host[:port]. A dicom:// URI implies
        /// -Protocol Dimse, so U_URL alone switches Send-DicomFile and Invoke-SampleUpload to DIMSE. Null for HTTP.
        /// </summary>
        private DicomAssociationOptions? ResolveArchive(ref UploadProtocol protocol)
        {
            var uri = Uri;
            if (uri == null && ComputerName == null)
            {
                var fromSetting = Environment.GetEnvironmentVariable(Endpoint.UrlSetting.Variable);
                if (!string.IsNullOrWhiteSpace(fromSetting) && System.Uri.TryCreate(fromSetting!.Trim(), UriKind.Absolute, out var parsed)) uri = parsed;
            }
            var dicomUri = uri != null && string.Equals(uri.Scheme, "dicom", StringComparison.OrdinalIgnoreCase) ? uri : null;
            if (dicomUri == null && ComputerName == null && protocol != UploadProtocol.Dimse) return null;
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Protocol)) && protocol != UploadProtocol.Dimse)
                Refuse($"-Protocol {protocol} is HTTP; -ComputerName and dicom:// URIs are for -Protocol Dimse.", "DicomTools.DimseNeedsDimseProtocol");
            protocol = UploadProtocol.Dimse;
            if (Atomic.IsPresent)
                Refuse("-Atomic cannot work with -Protocol Dimse: C-STORE stores each file on its own answer and DIMSE has no all-or-nothing request or rollback; use -Protocol Archive or StowRs against the archive's HTTP API.", "DicomTools.AtomicNeedsOneRequest");
            foreach (var http in new[] { nameof(ApiKey), nameof(Credential), "Token" })
                if (MyInvocation.BoundParameters.ContainsKey(http))
                    Refuse($"-{http} is an HTTP credential; DICOM associations carry none (the archive trusts AE titles and addresses), so it would be silently ignored with -Protocol Dimse.", "DicomTools.DimseTakesNoCredential");

            string host, called, calling = CallingAETitle;
            var port = Port;
            if (dicomUri != null)
            {
                var user = System.Uri.UnescapeDataString(dicomUri.UserInfo ?? string.Empty);
                var colon = user.IndexOf(':');
                if (colon >= 0) { calling = user.Substring(0, colon); user = user.Substring(colon + 1); }
                called = CalledAETitle ?? user;
                host = dicomUri.Host;
                if (!dicomUri.IsDefaultPort && dicomUri.Port > 0) port = dicomUri.Port;
                if (MyInvocation.BoundParameters.ContainsKey(nameof(Port))) port = Port;
                if (MyInvocation.BoundParameters.ContainsKey(nameof(CallingAETitle))) calling = CallingAETitle;
            }
            else
            {
                if (ComputerName == null)
                    Refuse("-Protocol Dimse needs the archive: -ComputerName (with -Port and -CalledAETitle) or -Uri dicom://CALLED@host:port.", "DicomTools.DimseNeedsArchive");
                host = ComputerName!;
                called = CalledAETitle ?? string.Empty;
            }
            if (string.IsNullOrEmpty(called))
                Refuse("-Protocol Dimse needs the archive's AE title: -CalledAETitle, or dicom://CALLED@host:port.", "DicomTools.DimseNeedsArchive");
            foreach (var (name, title) in new[] { ("called", called), ("calling", calling) })
                if (DicomNetworkValidation.AeTitleProblem(title) is string problem)
                    Refuse($"The {name} AE title '{title}' cannot be used: {problem}.", "DicomTools.InvalidAETitle");
            var options = new DicomAssociationOptions(host, port, called) { CallingAETitle = calling };
            return GivenTimeoutSec is double seconds ? options.WithTimeout(TimeSpan.FromSeconds(seconds)) : options;
        }

        private void BeginDimse(UploadProtocol protocol, DicomAssociationOptions archive)
        {
            _protocol = protocol;
            _options = new UploadOptions(new Uri("dicom://" + System.Uri.EscapeDataString(archive.CalledAETitle) + "@" + archive.Host + ":" + archive.Port.ToString(CultureInfo.InvariantCulture)))
            {
                Protocol = protocol,
                ThrottleLimit = ThrottleLimit,
                Dimse = archive,
                Retry = RetryOptions(),
            };
            _scheduler = new UploadScheduler(_options, new NoHttpSender(), LogQueue, CancellationToken);
            _progress = new ProgressMeter();
        }

        private void Refuse(string message, string errorId) =>
            ThrowTerminatingError(new ErrorRecord(new PSArgumentException(message), errorId, ErrorCategory.InvalidArgument, null));

        /// <summary>The scheduler needs a sender; DIMSE never sends over HTTP.</summary>
        private sealed class NoHttpSender : IUploadSender
        {
            public System.Threading.Tasks.Task<UploadExchange> SendAsync(UploadRequest request, System.Threading.CancellationToken cancellationToken) =>
                throw new InvalidOperationException("-Protocol Dimse sends no HTTP request.");
        }

        protected override void ProcessRecord()
        {
            switch (ParameterSetName)
            {
                case TagResultSet:
                    foreach (var result in InputObject) QueueTagResult(result);
                    break;
                case LiteralPathSet:
                    foreach (var path in ResolveFilePaths(LiteralPath, literal: true)) Queue(path);
                    break;
                default:
                    foreach (var path in ResolveFilePaths(Path, literal: false)) Queue(path);
                    break;
            }
            Drain();
        }

        protected override void EndProcessing()
        {
            var scheduler = _scheduler!;
            scheduler.Complete();
            while (!scheduler.IsFinished && !CancellationToken.IsCancellationRequested)
            {
                scheduler.WaitForResult(ProgressRefresh, CancellationToken);
                Drain();
            }
            Drain();
            if (_progress!.Reported)
                WriteProgress(new ProgressRecord(ProgressActivityId, "Send-DicomFile", DescribeProgress()) { RecordType = ProgressRecordType.Completed });
            base.EndProcessing();
        }

        /// <summary>
        /// Ctrl+C: cancels, then waits until every upload worker has ended (bounded), so that once Stop() returns no
        /// request of this command can still go out: the user sees the stop as final, and nothing sent after it.
        /// </summary>
        protected override void StopProcessing()
        {
            base.StopProcessing();
            if (_scheduler is { } scheduler) System.Threading.Tasks.Task.WaitAny(new[] { scheduler.Completion }, WorkersStopGuard);
        }

        /// <summary>Workers stop at once on cancellation; this only keeps a hung worker from hanging Ctrl+C.</summary>
        private static readonly TimeSpan WorkersStopGuard = TimeSpan.FromSeconds(10);

        /// <summary>Re-implements IDisposable: a pipeline that ends early (a terminating error downstream) must still release the idle workers.</summary>
        public new void Dispose()
        {
            _scheduler?.Dispose();
            base.Dispose();
            DisposeCancellation();
        }

        private void QueueTagResult(TagUpdateResult result)
        {
            if (result.Status == TagUpdateStatus.Failed || result.Status == TagUpdateStatus.WhatIf || result.Status == TagUpdateStatus.Skipped)
            {
                var why = result.Status switch
                {
                    TagUpdateStatus.Failed => "Set-DicomTags failed on it" + (result.Error == null ? string.Empty : ": " + result.Error),
                    TagUpdateStatus.WhatIf => "Set-DicomTags ran with -WhatIf, so its tags were not written",
                    _ => "Set-DicomTags skipped it (-Confirm answered No)",
                };
                WriteWarning($"Not sending '{result.Path}': {why}. Sending it would upload the file without its new tags.");
                long bytes;
                try { bytes = File.Exists(result.Path) ? new FileInfo(result.Path).Length : 0; }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException) { bytes = 0; }
                Schedule(result.Status, s => s.AddResult(UploadResult.NotSent(result.Path, bytes, _options!.Protocol,
                    $"Not sent: {why}; sending it would upload the file without its new tags.")));
                return;
            }
            Queue(result.Path, result.Status);
        }

        private void Queue(string path, TagUpdateStatus? tagStatus = null)
        {
            FileInfo info;
            try
            {
                info = new FileInfo(path);
                if (!info.Exists)
                {
                    var message = Directory.Exists(path)
                        ? $"'{path}' is a folder; send its files, e.g. Get-ChildItem -File -Recurse '{path}' | Send-DicomFile."
                        : $"'{path}' does not exist.";
                    WriteInputError(new ErrorRecord(new FileNotFoundException(message, path), Directory.Exists(path) ? "DicomTools.PathIsFolder" : "DicomTools.FileNotFound",
                        Directory.Exists(path) ? ErrorCategory.InvalidArgument : ErrorCategory.ObjectNotFound, path));
                    return;
                }
            }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is UnauthorizedAccessException || ex is IOException)
            {
                WriteInputError(new ErrorRecord(ex, "DicomTools.InvalidPath", ErrorCategory.InvalidArgument, path));
                return;
            }

            var target = $"{info.FullName} ({info.Length.ToString("N0", CultureInfo.CurrentCulture)} bytes)";
            var action = _options!.Dimse is DicomAssociationOptions archive
                ? "C-STORE to " + archive
                : $"Upload to {UriRedaction.Redact(_options!.Endpoint)} ({_protocol}{(_options.Atomic ? ", atomic" : string.Empty)})";
            if (!ShouldProcess(target, action, out var reason))
            {
                if (reason == ShouldProcessReason.WhatIf)
                    Schedule(tagStatus, s => s.AddResult(UploadResult.WhatIf(info.FullName, info.Length, _options.Protocol)));
                return;
            }
            Schedule(tagStatus, s => s.Add(new UploadFile(info.FullName, info.Length)));
        }

        private void Schedule(TagUpdateStatus? tagStatus, Action<UploadScheduler> add)
        {
            _inputs.Enqueue(tagStatus);
            add(_scheduler!);
        }

        private bool ShouldProcess(string target, string action, out ShouldProcessReason reason) =>
            ShouldProcess($"Performing the operation \"{action}\" on target \"{target}\".", $"{action}: {target}?", "Send-DicomFile", out reason);

        /// <summary>
        /// The next error record will end the command (-ErrorAction Stop), and PowerShell stops the pipeline inside that
        /// WriteError: nothing can be written after it. So, before it: requests in flight (which may already have reached
        /// the server) finish, nothing new is sent, and every input gets its result (in input order; NotSent for those not
        /// sent), so that no file is stored without a result.
        /// </summary>
        protected override void FinishBeforeTerminatingError() => FinishBeforeStop();

        private void FinishBeforeStop()
        {
            var scheduler = _scheduler;
            if (scheduler == null || _stopped) return;
            scheduler.StopSending("Not sent: the command stopped at an earlier error (-ErrorAction Stop).");
            scheduler.Complete();
            _stopped = true;
            while (!scheduler.IsFinished && !CancellationToken.IsCancellationRequested)
            {
                scheduler.WaitForResult(ProgressRefresh, CancellationToken);
                while (scheduler.TryTake(out var result)) Write(result, _inputs.Dequeue());
                DrainLog();
            }
            while (scheduler.TryTake(out var rest)) Write(rest, _inputs.Dequeue());
            DrainLog();
        }

        /// <summary>Writes what is ready, without waiting: results (in input order), log lines, progress. Pipeline thread only.</summary>
        private void Drain()
        {
            var scheduler = _scheduler!;
            while (scheduler.TryTake(out var result)) Write(result, _inputs.Dequeue());
            DrainLog();
            if (_progress!.TryReport() && scheduler.Progress.FilesTotal > 0)
            {
                var total = scheduler.Progress.BytesTotal;
                var percent = total > 0 ? (int)Math.Min(100, scheduler.Progress.BytesSent * 100 / total) : -1;
                WriteProgress(new ProgressRecord(ProgressActivityId, "Send-DicomFile", DescribeProgress()) { PercentComplete = percent });
            }
        }

        private string DescribeProgress()
        {
            var p = _scheduler!.Progress;
            var seconds = Math.Max(_progress!.Elapsed.TotalSeconds, 0.001);
            var sentMb = p.BytesSent / 1048576.0;
            return string.Format(CultureInfo.InvariantCulture, "{0} of {1} files done, {2:0.0} of {3:0.0} MB sent, {4:0.0} MB/s, {5:0.0} files/s",
                p.FilesDone, p.FilesTotal, sentMb, p.BytesTotal / 1048576.0, sentMb / seconds, p.FilesDone / seconds);
        }

        private void Write(UploadResult result, TagUpdateStatus? tagStatus)
        {
            // Once the command is ending at an error, only results go out (FinishBeforeStop).
            if (!_stopped)
            {
                if (result.Status == UploadStatus.Failed)
                {
                    // A refused credential is one problem, however many requests were in flight when the server said so.
                    var refusal = result.FailureReason == UploadFailureReason.NotAuthorized;
                    if (!refusal || !_refusalReported)
                    {
                        if (_stopAtFirstError)
                        {
                            // This input's result first, then those of the requests still in flight, then the error that ends it all.
                            WriteObject(result);
                            FinishBeforeStop();
                            WriteError(ErrorFor(result));
                            return;
                        }
                        WriteError(ErrorFor(result));
                    }
                    _refusalReported |= refusal;
                }
                if (result.Status == UploadStatus.AlreadyStored && tagStatus == TagUpdateStatus.Updated)
                {
                    WriteWarning($"'{result.Path}' was just re-tagged by Set-DicomTags, but the server already had this instance "
                        + "(same PatientID and study/series/SOP UIDs) and kept its old copy: the new tags did not reach it. "
                        + "Re-tag with a new -AttemptNumber (it gives a new PatientID) and send again.");
                }
            }
            WriteObject(result);
        }

        private static ErrorRecord ErrorFor(UploadResult result)
        {
            const string id = "DicomTools.UploadFailed";
            var path = result.Path;
            var message = $"Upload of '{path}' failed: {result.Message}";
            var exception = result.GetException();
            // The HTTP core's message already names the file's request, the status and why it was (not) retried.
            if (exception is DicomToolsHttpException http
                && (result.FailureReason == UploadFailureReason.Transport || result.FailureReason == UploadFailureReason.NotAuthorized))
                return HttpErrorRecords.Create(http, id, path);
            if (exception is DicomNetworkException network)
            {
                var networkCategory = network.Failure switch
                {
                    DicomNetworkFailure.Timeout => ErrorCategory.OperationTimeout,
                    DicomNetworkFailure.Protocol => ErrorCategory.ProtocolError,
                    DicomNetworkFailure.Aborted => ErrorCategory.ProtocolError,
                    DicomNetworkFailure.NoAcceptedContext => ErrorCategory.InvalidData,
                    _ => ErrorCategory.ConnectionError,
                };
                return new ErrorRecord(network, id + "." + network.Failure, networkCategory, path) { ErrorDetails = new ErrorDetails(message) };
            }
            var category = result.FailureReason switch
            {
                UploadFailureReason.RejectedByServer => ErrorCategory.InvalidData,
                UploadFailureReason.FileUnreadable => ErrorCategory.ReadError,
                UploadFailureReason.AtomicSetFailed => ErrorCategory.OperationStopped,
                UploadFailureReason.Cancelled => ErrorCategory.OperationStopped,
                UploadFailureReason.Unsupported => ErrorCategory.InvalidOperation,
                _ => exception is DicomToolsHttpException e ? HttpErrorRecords.CategoryOf(e.Kind) : ErrorCategory.NotSpecified,
            };
            return new ErrorRecord(exception ?? new InvalidOperationException(message), id + "." + result.FailureReason, category, path) { ErrorDetails = new ErrorDetails(message) };
        }
    }
}
