using System;
using Microsoft.Extensions.Logging;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Engine.Logging;
using DicomTools.Engine.Metadata;
using DicomTools.Engine.Run;
using DicomTools.Engine.Upload;
using Xunit;

namespace DicomTools.Tests.Unit.SampleRuns
{
    /// <summary>The run's decisions (what runs after what fails), with steps that only record their calls.</summary>
    public sealed class SampleRunTests : IDisposable
    {
        private readonly string _folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "run-" + Guid.NewGuid().ToString("N"))).FullName;

        public void Dispose() => Directory.Delete(_folder, true);

        private sealed class FakeSteps : ISampleRunSteps
        {
            public readonly ConcurrentQueue<string> Calls = new ConcurrentQueue<string>();
            public Exception? MetadataFailure, AnalyticsFailure, LogFailure;
            public Func<string, FileTagStatus> Tag = _ => FileTagStatus.Updated;
            public Func<string, UploadStatus> Upload = _ => UploadStatus.Stored;
            public bool CanSubmitLog { get; set; } = true;
            public List<string> Uploaded = new List<string>();

            public Task<SampleMetadata> FetchMetadataAsync(string sampleId, CancellationToken ct)
            {
                Calls.Enqueue("metadata");
                if (MetadataFailure != null) throw MetadataFailure;
                return Task.FromResult(new SampleMetadata { SampleId = sampleId, PatientName = "Rex^Bobby", TestType = "CBC" });
            }

            public string PatientIdFor(SampleMetadata metadata, int attemptNumber) => metadata.SampleId + "-" + attemptNumber;

            public Task<IReadOnlyList<FileTagResult>> TagAsync(IReadOnlyList<string> files, SampleMetadata metadata, int attempt, Action<FileTagResult> done, CancellationToken ct)
            {
                Calls.Enqueue("tag");
                var results = files.Select(f => new FileTagResult(f, Tag(f), Tag(f) == FileTagStatus.Failed ? "bad file" : null)).ToList();
                results.ForEach(done);
                return Task.FromResult<IReadOnlyList<FileTagResult>>(results);
            }

            public Task<IReadOnlyList<UploadResult>> UploadAsync(IReadOnlyList<string> files, Action<UploadResult> done, CancellationToken ct)
            {
                Calls.Enqueue("upload");
                Uploaded.AddRange(files);
                var results = files.Select(f => new UploadResult(new UploadFile(f, 0), UploadProtocol.Raw)
                    { Status = Upload(f), Attempts = 3, Message = Upload(f) == UploadStatus.Failed ? "503 Service Unavailable after 3 attempts" : null }).ToList();
                results.ForEach(done);
                return Task.FromResult<IReadOnlyList<UploadResult>>(results);
            }

            public Task<object?> StartAnalyticsAsync(string sampleId, string requestType, CancellationToken ct)
            {
                Calls.Enqueue("analytics:" + requestType);
                if (AnalyticsFailure != null) throw AnalyticsFailure;
                return Task.FromResult<object?>("queued");
            }

            public Task SubmitLogAsync(string logPath, string sampleId, int attemptNumber, CancellationToken ct)
            {
                Calls.Enqueue("log:" + sampleId + "/" + attemptNumber);
                if (LogFailure != null) throw LogFailure;
                return Task.CompletedTask;
            }
        }

        private string[] MakeFiles(params string[] names)
        {
            foreach (var n in names)
            {
                var p = Path.Combine(_folder, n);
                Directory.CreateDirectory(Path.GetDirectoryName(p)!);
                File.WriteAllText(p, "x");
            }
            return names.Select(n => Path.Combine(_folder, n)).ToArray();
        }

        private (SampleRunResult, QueueLoggerProvider) Run(FakeSteps steps)
        {
            var logs = new QueueLoggerProvider(LogLevel.Trace, null, new Redactor());
            var request = new SampleRunRequest("ref0000022tes-cbc", 2, _folder) { LogPath = Path.Combine(_folder, "run.log") };
            var result = new SampleRun(steps, logs, new Redactor()).RunAsync(request, CancellationToken.None).GetAwaiter().GetResult();
            return (result, logs);
        }

        private static List<LogEntry> Drain(QueueLoggerProvider q) { var l = new List<LogEntry>(); while (q.TryDequeue(out var e)) l.Add(e); return l; }

        [Fact]
        public void FindsDcmFilesAtAnyDepthInAnyCaseOnly()
        {
            MakeFiles("a.dcm", "sub/b.DCM", "sub/deeper/c.Dcm", "notes.txt", "d.dcm.bak", "sub/e.dicom");
            var found = SampleRun.FindDicomFiles(_folder).Select(f => Path.GetRelativePath(_folder, f).Replace('\\', '/')).ToArray();
            Assert.Equal(new[] { "a.dcm", "sub/b.DCM", "sub/deeper/c.Dcm" }, found);
        }

        [Fact]
        public void ACleanRunTagsUploadsAndStartsAnalyticsOnceWithTheTestType()
        {
            MakeFiles("a.dcm", "b.dcm", "sub/c.dcm");
            var steps = new FakeSteps { Tag = f => f.EndsWith("a.dcm") ? FileTagStatus.Unchanged : FileTagStatus.Updated, Upload = f => f.EndsWith("b.dcm") ? UploadStatus.AlreadyStored : UploadStatus.Stored };
            var (r, _) = Run(steps);
            Assert.True(r.Succeeded);
            Assert.Equal(new[] { "metadata", "tag", "upload", "analytics:CBC" }, steps.Calls.ToArray());
            Assert.Equal((3, 2, 1, 2, 1, 0), (r.FilesFound, r.Updated, r.Unchanged, r.Uploaded, r.AlreadyStored, r.Failed));
            Assert.Equal("ref0000022tes-cbc-2", r.PatientId);
            Assert.Equal("queued", r.Analytics);
            Assert.False(r.LogSubmitted);
        }

        [Fact]
        public void NoDicomFilesFailsBeforeAskingAnyServer()
        {
            MakeFiles("readme.txt");
            var steps = new FakeSteps();
            var (r, logs) = Run(steps);
            Assert.False(r.Succeeded);
            Assert.Equal(SampleRunStage.Files, r.FailedStage);
            Assert.Contains("No DICOM files (*.dcm) found under", r.FailureMessage);
            Assert.Equal(new[] { "log:ref0000022tes-cbc/2" }, steps.Calls.ToArray());
            Assert.Contains(Drain(logs), e => e.Severity == LogLevel.Error && e.Message.Contains("No DICOM files"));
        }

        [Fact]
        public void AMetadataFailureUploadsNothingAndSendsTheLog()
        {
            MakeFiles("a.dcm");
            var steps = new FakeSteps { MetadataFailure = new InvalidOperationException("404 sample not found") };
            var (r, _) = Run(steps);
            Assert.Equal(SampleRunStage.Metadata, r.FailedStage);
            Assert.Contains("404 sample not found", r.FailureMessage);
            Assert.Equal(new[] { "metadata", "log:ref0000022tes-cbc/2" }, steps.Calls.ToArray());
            Assert.True(r.LogSubmitted);
        }

        [Fact]
        public void OneFailedUploadSkipsAnalyticsAndNamesTheFile()
        {
            var files = MakeFiles("a.dcm", "b.dcm", "c.dcm");
            var steps = new FakeSteps { Upload = f => f == files[1] ? UploadStatus.Failed : UploadStatus.Stored };
            var (r, _) = Run(steps);
            Assert.Equal(SampleRunStage.Upload, r.FailedStage);
            Assert.Equal(2, r.Uploaded);
            Assert.Equal(files[1], Assert.Single(r.FailedFiles).Path);
            Assert.Contains(files[1], r.FailureMessage);
            Assert.Contains("analytics was not started", r.FailureMessage);
            Assert.DoesNotContain(steps.Calls, c => c.StartsWith("analytics"));
            Assert.True(r.LogSubmitted);
        }

        [Fact]
        public void AFileThatCouldNotBeTaggedIsNotUploadedAndBlocksAnalytics()
        {
            var files = MakeFiles("a.dcm", "b.dcm");
            var steps = new FakeSteps { Tag = f => f == files[0] ? FileTagStatus.Failed : FileTagStatus.Updated };
            var (r, _) = Run(steps);
            Assert.Equal(new[] { files[1] }, steps.Uploaded);
            Assert.Equal(SampleRunStage.Tagging, r.FailedStage);
            Assert.DoesNotContain(steps.Calls, c => c.StartsWith("analytics"));
        }

        [Fact]
        public void AFailureToSendTheLogIsAWarningAndTheRunsErrorStays()
        {
            MakeFiles("a.dcm");
            var steps = new FakeSteps { AnalyticsFailure = new Exception("analytics 500"), LogFailure = new Exception("log endpoint 403 Forbidden") };
            var (r, logs) = Run(steps);
            Assert.Equal(SampleRunStage.Analytics, r.FailedStage);
            Assert.Contains("analytics 500", r.FailureMessage);
            Assert.False(r.LogSubmitted);
            Assert.Contains(Drain(logs), e => e.Severity == LogLevel.Warning && e.Message.Contains("log endpoint 403 Forbidden"));
        }

        [Fact]
        public async Task ACancelledRunStopsWithoutSendingTheLog()
        {
            MakeFiles("a.dcm");
            using var cts = new CancellationTokenSource();
            var steps = new FakeSteps { MetadataFailure = null };
            var blocking = new BlockingMetadataSteps(steps, cts);
            var logs = new QueueLoggerProvider(LogLevel.Trace, null, new Redactor());
            var request = new SampleRunRequest("s", 1, _folder) { LogPath = Path.Combine(_folder, "run.log") };
            var r = await new SampleRun(blocking, logs, new Redactor()).RunAsync(request, cts.Token);
            Assert.Equal(SampleRunStage.Cancelled, r.FailedStage);
            Assert.DoesNotContain(steps.Calls, c => c.StartsWith("log:") || c == "upload");
        }

        /// <summary>Cancels the run while the metadata request is in flight, as Ctrl+C would.</summary>
        private sealed class BlockingMetadataSteps : ISampleRunSteps
        {
            private readonly FakeSteps _inner;
            private readonly CancellationTokenSource _cts;
            public BlockingMetadataSteps(FakeSteps inner, CancellationTokenSource cts) { _inner = inner; _cts = cts; }
            public async Task<SampleMetadata> FetchMetadataAsync(string sampleId, CancellationToken ct)
            {
                _cts.Cancel();
                await Task.Delay(Timeout.Infinite, ct);
                throw new InvalidOperationException("not reached");
            }
            public string PatientIdFor(SampleMetadata m, int a) => _inner.PatientIdFor(m, a);
            public Task<IReadOnlyList<FileTagResult>> TagAsync(IReadOnlyList<string> f, SampleMetadata m, int a, Action<FileTagResult> d, CancellationToken ct) => _inner.TagAsync(f, m, a, d, ct);
            public Task<IReadOnlyList<UploadResult>> UploadAsync(IReadOnlyList<string> f, Action<UploadResult> d, CancellationToken ct) => _inner.UploadAsync(f, d, ct);
            public Task<object?> StartAnalyticsAsync(string s, string r, CancellationToken ct) => _inner.StartAnalyticsAsync(s, r, ct);
            public bool CanSubmitLog => _inner.CanSubmitLog;
            public Task SubmitLogAsync(string p, string s, int a, CancellationToken ct) => _inner.SubmitLogAsync(p, s, a, ct);
        }

        [Fact]
        public void WithoutALogEndpointTheLogIsNotSent()
        {
            MakeFiles("a.dcm");
            var steps = new FakeSteps { MetadataFailure = new Exception("down"), CanSubmitLog = false };
            var (r, _) = Run(steps);
            Assert.False(r.LogSubmitted);
            Assert.DoesNotContain(steps.Calls, c => c.StartsWith("log:"));
        }
    }
}
