using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Engine.Logging;
using DicomTools.Engine.Metadata;
using DicomTools.Engine.Upload;
using Microsoft.Extensions.Logging;

namespace DicomTools.Engine.Run
{
    /// <summary>
    /// One sample, start to end, as the original script ran it: find the *.dcm files, fetch the metadata, tag
    /// every file, upload them, and start analytics only when every file is on the server (stored now or
    /// already). Any failure stops what depends on it, is logged, and — when a log endpoint is set — sends the
    /// log there; the run never throws for a step's failure, it returns a result that says what happened.
    /// </summary>
    public sealed class SampleRun
    {
        private readonly ISampleRunSteps _steps;
        private readonly ILogger _log;
        private readonly Redactor _redactor;


        public SampleRun(ISampleRunSteps steps, ILoggerProvider logs, Redactor? redactor = null)
        {
            _steps = steps ?? throw new ArgumentNullException(nameof(steps));
            _log = (logs ?? throw new ArgumentNullException(nameof(logs))).CreateLogger("Invoke-SampleUpload");
            _redactor = redactor ?? new Redactor();
        }

        public SampleRunProgress Progress { get; } = new SampleRunProgress();

        /// <summary>*.dcm under <paramref name="directory"/>, any depth, extension in any case, in a stable order.</summary>
        public static IReadOnlyList<string> FindDicomFiles(string directory) =>
            System.IO.Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
                .Where(f => string.Equals(Path.GetExtension(f), ".dcm", StringComparison.OrdinalIgnoreCase))
                .OrderBy(f => f, StringComparer.Ordinal)
                .ToList();

        public async Task<SampleRunResult> RunAsync(SampleRunRequest request, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var result = new SampleRunResult
            {
                SampleId = request.SampleId,
                AttemptNumber = request.AttemptNumber,
                Directory = request.Directory,
                LogPath = request.LogPath,
            };
            _log.LogInformation("Starting sample {SampleId}, attempt {Attempt}, images under {Directory}",
                request.SampleId, request.AttemptNumber, request.Directory);
            try
            {
                await RunStepsAsync(request, result, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Fail(result, SampleRunStage.Cancelled, "The run was cancelled.", null);
            }
            result.Duration = clock.Elapsed;
            LogSummary(result);
            // Ctrl+C is the admin's own decision: the log stays on disk and the prompt comes back at once.
            if (!result.Succeeded && result.FailedStage != SampleRunStage.Cancelled) await SubmitLogAsync(request, result).ConfigureAwait(false);
            Progress.Enter(result.Succeeded ? SampleRunStage.None : result.FailedStage);
            return result;
        }

        private async Task RunStepsAsync(SampleRunRequest request, SampleRunResult result, CancellationToken cancellationToken)
        {
            // Files first: a run with nothing to send fails before it asks any server anything.
            Progress.Enter(SampleRunStage.Files);
            if (!System.IO.Directory.Exists(request.Directory))
            {
                Fail(result, SampleRunStage.Files, $"The folder '{request.Directory}' does not exist.", new DirectoryNotFoundException());
                return;
            }
            var files = FindDicomFiles(request.Directory);
            result.FilesFound = files.Count;
            Progress.Found(files.Count);
            if (files.Count == 0)
            {
                Fail(result, SampleRunStage.Files, $"No DICOM files (*.dcm) found under '{request.Directory}'.", new FileNotFoundException());
                return;
            }
            _log.LogInformation("Found {Count} DICOM file(s)", files.Count);

            Progress.Enter(SampleRunStage.Metadata);
            SampleMetadata metadata;
            try
            {
                metadata = await _steps.FetchMetadataAsync(request.SampleId, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                Fail(result, SampleRunStage.Metadata, $"Could not get the metadata of sample {request.SampleId}: {_redactor.RedactMessages(ex)}", ex);
                return;
            }
            result.PatientId = _steps.PatientIdFor(metadata, request.AttemptNumber);
            _log.LogInformation("Metadata for {SampleId}: patient {PatientName}, {Species}, test {TestType}, clinic {Clinic}; PatientID will be {PatientId}",
                metadata.SampleId, metadata.PatientName, metadata.Species, metadata.TestType, metadata.ClinicName, result.PatientId);

            Progress.Enter(SampleRunStage.Tagging);
            IReadOnlyList<FileTagResult> tagged;
            try
            {
                tagged = await _steps.TagAsync(files, metadata, request.AttemptNumber, _ => Progress.Tagged(), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                Fail(result, SampleRunStage.Tagging, "Could not tag the files: " + _redactor.RedactMessages(ex), ex);
                return;
            }
            foreach (var t in tagged)
            {
                if (t.Status == FileTagStatus.Updated) result.Updated++;
                else if (t.Status == FileTagStatus.Unchanged) result.Unchanged++;
                else result.FailedFiles.Add(new FailedFile(t.Path, SampleRunStage.Tagging, t.Message ?? "tagging failed"));
            }
            _log.LogInformation("Tags: {Updated} file(s) updated, {Unchanged} already right, {Failed} failed",
                result.Updated, result.Unchanged, result.FailedFiles.Count);

            // A file whose tags could not be set is not sent: the server would get the old patient.
            var toUpload = tagged.Where(t => t.Status != FileTagStatus.Failed).Select(t => t.Path).ToList();
            if (toUpload.Count > 0)
            {
                Progress.Enter(SampleRunStage.Upload);
                IReadOnlyList<UploadResult> uploaded;
                try
                {
                    uploaded = await _steps.UploadAsync(toUpload, _ => Progress.Uploaded(), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
                {
                    Fail(result, SampleRunStage.Upload, "Could not upload the files: " + _redactor.RedactMessages(ex), ex);
                    return;
                }
                foreach (var u in uploaded)
                {
                    // Server text can echo a key: the summary and the log show it masked.
                    u.Message = u.Message == null ? null : _redactor.Redact(u.Message);
                    u.Response = u.Response == null ? null : _redactor.Redact(u.Response);
                    if (u.Status == UploadStatus.Stored) result.Uploaded++;
                    else if (u.Status == UploadStatus.AlreadyStored) result.AlreadyStored++;
                    else result.FailedFiles.Add(new FailedFile(u.Path, SampleRunStage.Upload, u.Message ?? "upload failed"));
                }
                // Every file we meant to send must have an answer; a missing one is a failure, not a success.
                var answered = new HashSet<string>(uploaded.Select(u => u.Path), StringComparer.Ordinal);
                foreach (var lost in toUpload.Where(p => !answered.Contains(p)))
                    result.FailedFiles.Add(new FailedFile(lost, SampleRunStage.Upload, "the upload reported nothing for this file"));
                _log.LogInformation("Upload: {Stored} stored, {AlreadyStored} already stored, {Failed} failed",
                    result.Uploaded, result.AlreadyStored, result.FailedFiles.Count(f => f.Stage == SampleRunStage.Upload));
            }

            if (result.FailedFiles.Count > 0)
            {
                var first = result.FailedFiles[0];
                var message = result.FailedFiles.Count == 1
                    ? $"{first.Path} was not stored ({first.Stage}: {first.Reason}); analytics was not started."
                    : $"{result.FailedFiles.Count} of {files.Count} files were not stored (first: {first.Path}, {first.Stage}: {first.Reason}); analytics was not started.";
                Fail(result, first.Stage, message, null);
                return;
            }

            Progress.Enter(SampleRunStage.Analytics);
            try
            {
                result.Analytics = RedactAnswer(await _steps.StartAnalyticsAsync(request.SampleId, metadata.TestType, cancellationToken).ConfigureAwait(false));
                result.AnalyticsStarted = true;
                _log.LogInformation("Analytics started for {SampleId} (request type {TestType})", request.SampleId, metadata.TestType);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                Fail(result, SampleRunStage.Analytics, $"Every file is stored, but analytics could not be started: {_redactor.RedactMessages(ex)}", ex);
            }
        }

        /// <summary>An analytics answer with every string the server sent redacted (it may echo the key).</summary>
        private object? RedactAnswer(object? answer) => answer is DicomTools.Engine.Analytics.AnalyticsAnswer a
            ? new DicomTools.Engine.Analytics.AnalyticsAnswer(_redactor.RedactDictionary(a.Fields), a.StatusCode, a.Attempts, a.Duration)
            : _redactor.RedactPlain(answer);

        private void Fail(SampleRunResult result, SampleRunStage stage, string message, Exception? error)
        {
            result.FailedStage = stage;
            result.FailureMessage = _redactor.Redact(message);
            result.Error = error;
            _log.LogError("{Message}", result.FailureMessage);
        }

        private void LogSummary(SampleRunResult r)
        {
            _log.LogInformation(
                "Summary: sample {SampleId}, attempt {Attempt}, PatientID {PatientId}: {Found} found, {Updated} updated, {Unchanged} unchanged, {Uploaded} uploaded, {AlreadyStored} already stored, {Failed} failed; analytics {Analytics}; {Duration:0.0} s; {Outcome}",
                r.SampleId, r.AttemptNumber, r.PatientId ?? "(none)", r.FilesFound, r.Updated, r.Unchanged, r.Uploaded, r.AlreadyStored, r.Failed,
                r.AnalyticsStarted ? "started" : "not started", r.Duration.TotalSeconds, r.Succeeded ? "SUCCEEDED" : "FAILED");
            foreach (var f in r.FailedFiles) _log.LogError("Not stored: {File}", $"{f.Path} ({f.Stage}: {f.Reason})");
        }

        private async Task SubmitLogAsync(SampleRunRequest request, SampleRunResult result)
        {
            if (!request.SubmitLogOnFailure || request.LogPath == null) return;
            if (!_steps.CanSubmitLog)
            {
                _log.LogInformation("LOG_URL is not set: the log stays in {LogPath}", request.LogPath);
                return;
            }
            try
            {
                _log.LogInformation("Sending the log to the log endpoint");
                // Not the run's token: a cancelled run still reports where it stopped (the send has its own timeout).
                await _steps.SubmitLogAsync(request.LogPath, request.SampleId, request.AttemptNumber, CancellationToken.None).ConfigureAwait(false);
                result.LogSubmitted = true;
                _log.LogInformation("Log sent");
            }
            catch (Exception ex)
            {
                // Never hides the run's own failure: a warning, and the run's error stays the error.
                _log.LogWarning("Could not send the log {LogPath} to the log endpoint: {Reason}", request.LogPath, _redactor.RedactMessages(ex));
            }
        }
    }
}
