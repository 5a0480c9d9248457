using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Dicom;
using DicomTools.Engine.Analytics;
using DicomTools.Engine.Logging;
using DicomTools.Engine.Metadata;
using DicomTools.Engine.Tagging;
using DicomTools.Engine.Upload;
using DicomTools.Engine.Upload.Scheduling;
using Microsoft.Extensions.Logging;

namespace DicomTools.Engine.Run
{
    /// <summary>How the real steps tag and upload (the parameters Invoke-SampleUpload passes on).</summary>
    public sealed class SampleRunStepOptions
    {
        public int TagThrottleLimit { get; set; } = TagFileUpdater.DefaultConcurrency;
        public CharacterSetPolicy CharacterSetPolicy { get; set; } = CharacterSetPolicy.ConvertToUtf8;
    }

    /// <summary>
    /// The run's steps on the module's engines: <see cref="MetadataClient"/>, the tagging plan and
    /// <see cref="TagFileUpdater"/> (as Set-DicomTags), <see cref="UploadScheduler"/> (as Send-DicomFile),
    /// <see cref="AnalyticsClient"/> and <see cref="LogSubmitter"/>.
    /// </summary>
    public sealed class EngineSampleRunSteps : ISampleRunSteps
    {
        private readonly MetadataClient _metadata;
        private readonly AnalyticsClient _analytics;
        private readonly UploadOptions _uploadOptions;
        private readonly IUploadSender _uploadSender;
        private readonly LogSubmitter? _logSubmitter;
        private readonly SampleRunStepOptions _options;
        private readonly ILoggerProvider _logs;
        private readonly ILogger _log;
        // Files whose tags this run changed: an AlreadyStored answer for one of them means the server kept its old copy.
        private readonly ConcurrentDictionary<string, bool> _updated = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);


        public EngineSampleRunSteps(MetadataClient metadata, AnalyticsClient analytics, UploadOptions uploadOptions, IUploadSender uploadSender,
            LogSubmitter? logSubmitter, SampleRunStepOptions options, ILoggerProvider logs)
        {
            _metadata = metadata ?? throw new ArgumentNullException(nameof(metadata));
            _analytics = analytics ?? throw new ArgumentNullException(nameof(analytics));
            _uploadOptions = uploadOptions ?? throw new ArgumentNullException(nameof(uploadOptions));
            _uploadSender = uploadSender ?? throw new ArgumentNullException(nameof(uploadSender));
            _logSubmitter = logSubmitter;
            _options = options ?? new SampleRunStepOptions();
            _logs = logs ?? throw new ArgumentNullException(nameof(logs));
            _log = logs.CreateLogger("Invoke-SampleUpload");
        }

        /// <summary>Live upload counters (bytes), for the progress bar; null until the upload starts.</summary>
        public UploadProgress? UploadProgress { get; private set; }

        public Task<SampleMetadata> FetchMetadataAsync(string sampleId, CancellationToken cancellationToken) =>
            _metadata.GetAsync(sampleId, cancellationToken);

        public string PatientIdFor(SampleMetadata metadata, int attemptNumber) =>
            SampleTagPlan.FormatPatientId(metadata.SampleId, attemptNumber);

        public Task<IReadOnlyList<FileTagResult>> TagAsync(IReadOnlyList<string> files, SampleMetadata metadata, int attemptNumber,
            Action<FileTagResult> done, CancellationToken cancellationToken)
        {
            // The plan is checked before any file is touched: incomplete metadata fails here, for all files at once.
            var plan = SampleTagPlan.Create(metadata, attemptNumber, null);
            var updater = new TagFileUpdater(plan.Edits, _options.CharacterSetPolicy, flushToDisk: true, logProvider: _logs);
            return Task.Run<IReadOnlyList<FileTagResult>>(() =>
            {
                var results = new FileTagResult[files.Count];
                Parallel.For(0, files.Count,
                    new ParallelOptions { MaxDegreeOfParallelism = _options.TagThrottleLimit, CancellationToken = cancellationToken },
                    i =>
                    {
                        var outcome = updater.Update(new TagFileRequest(files[i]), cancellationToken);
                        var result = outcome.Failure != null
                            ? new FileTagResult(files[i], FileTagStatus.Failed, outcome.Failure.Message)
                            : new FileTagResult(files[i], outcome.Written ? FileTagStatus.Updated : FileTagStatus.Unchanged);
                        if (result.Status == FileTagStatus.Updated) _updated[files[i]] = true;
                        if (result.Status == FileTagStatus.Failed) _log.LogError("Tagging {File} failed: {Reason}", files[i], result.Message);
                        else _log.LogInformation("{File}: {Outcome}", files[i],
                            result.Status == FileTagStatus.Updated ? $"{outcome.Changes.Count} tag(s) set" : "tags already right");
                        results[i] = result;
                        done(result);
                    });
                return results;
            }, cancellationToken);
        }

        public Task<IReadOnlyList<UploadResult>> UploadAsync(IReadOnlyList<string> files, Action<UploadResult> done, CancellationToken cancellationToken)
        {
            return Task.Run<IReadOnlyList<UploadResult>>(async () =>
            {
                using var scheduler = new UploadScheduler(_uploadOptions, _uploadSender, _logs, cancellationToken);
                UploadProgress = scheduler.Progress;
                foreach (var path in files) scheduler.Add(new UploadFile(path, new FileInfo(path).Length));
                scheduler.Complete();
                var results = new List<UploadResult>(files.Count);
                while (!scheduler.IsFinished)
                {
                    if (!scheduler.TryTake(out var result))
                    {
                        await scheduler.WaitForResultAsync(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
                        cancellationToken.ThrowIfCancellationRequested();
                        continue;
                    }
                    LogWhatTheSchedulerDoesNotSay(result);
                    results.Add(result);
                    done(result);
                }
                return results;
            }, cancellationToken);
        }

        private void LogWhatTheSchedulerDoesNotSay(UploadResult result)
        {
            // The upload scheduler logs each stored file already; only what it does not say is added here.
            if (result.Status == UploadStatus.AlreadyStored && _updated.ContainsKey(result.Path))
                _log.LogWarning("{File}: the server already had this instance and kept its copy, without the tags this run just set. A run with another attempt number gives a new PatientID.", result.Path);
            else if (result.Status == UploadStatus.Failed || result.Status == UploadStatus.NotSent)
                _log.LogError("{File}: upload failed after {Attempts} attempt(s): {Reason}", result.Path, result.Attempts, result.Message ?? "not stored");
        }

        public async Task<object?> StartAnalyticsAsync(string sampleId, string requestType, CancellationToken cancellationToken) =>
            await _analytics.StartAsync(sampleId, requestType, cancellationToken).ConfigureAwait(false);

        public bool CanSubmitLog => _logSubmitter != null;

        public Task SubmitLogAsync(string logPath, string sampleId, int attemptNumber, CancellationToken cancellationToken) =>
            _logSubmitter == null
                ? Task.CompletedTask
                : _logSubmitter.SendAsync(logPath, sampleId, attemptNumber, cancellationToken);
    }
}
