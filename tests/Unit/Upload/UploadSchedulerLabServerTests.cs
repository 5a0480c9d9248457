using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Engine.Http;
using DicomTools.Engine.Upload;
using DicomTools.Engine.Upload.Protocols;
using DicomTools.Engine.Upload.Scheduling;
using DicomTools.LabServer;
using DicomTools.Tests.Unit.LabServer;
using DicomTools.Tests.Unit.Support;
using Xunit;

namespace DicomTools.Tests.Unit.Upload
{
    /// <summary>The upload scheduler on the real HTTP core against the reference lab server, in process, with its faults.</summary>
    public sealed class UploadSchedulerLabServerTests : IAsyncLifetime
    {
        private LabServerHost _server = null!;
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dicomtools-upload-lab-" + Guid.NewGuid().ToString("N"));

        public async Task InitializeAsync()
        {
            Directory.CreateDirectory(_folder);
            _server = await LabServerHost.StartAsync(new LabServerOptions());
        }

        public async Task DisposeAsync()
        {
            await _server.DisposeAsync();
            try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
        }

        private Uri Url(string path) => new Uri(_server.BaseAddress, path);

        private List<UploadFile> Files(int count, int pixelBytes = 2048, int first = 1)
        {
            var files = new List<UploadFile>();
            for (var i = first; i < first + count; i++)
            {
                var path = new TestDicom { SopInstanceUid = "1.2.826.0.1.3680043.2.1125.9." + i, PixelBytes = pixelBytes }.WriteTo(_folder, $"img{i:D4}.dcm");
                files.Add(new UploadFile(path, new FileInfo(path).Length));
            }
            return files;
        }

        private UploadFile NotDicom(string name = "notes.dcm")
        {
            var path = Path.Combine(_folder, name);
            File.WriteAllText(path, "this is a text file, not DICOM");
            return new UploadFile(path, new FileInfo(path).Length);
        }

        private async Task<IReadOnlyList<UploadResult>> Upload(UploadOptions options, IEnumerable<UploadFile> files,
            HttpRetryOptions? retry = null, string? key = null, CancellationToken cancellationToken = default, Func<IUploadSender, IUploadSender>? wrap = null,
            TimeProvider? clock = null)
        {
            retry ??= new HttpRetryOptions { MaximumRetryCount = 3, RetryInterval = TimeSpan.FromMilliseconds(20), AttemptTimeout = TimeSpan.FromSeconds(20) };
            using var executor = new HttpExecutor(HttpClientFactory.Create(HttpConnectionSettings.Default), retry, null, ownsClient: true, timeProvider: clock);
            using var secret = SecureText.Protect(key ?? _server.Options.Keys.UploadKey);
            IUploadSender sender = new HttpExecutorUploadSender(executor, ApiCredential.ApiKey(secret, "Authorization"));
            if (wrap != null) sender = wrap(sender);
            using var scheduler = new UploadScheduler(options, sender, null, cancellationToken);
            return await scheduler.UploadAllAsync(files);
        }

        [Fact]
        public async Task RawStoresEveryFileAndASecondRunIsAlreadyStored()
        {
            var files = Files(6);
            var first = await Upload(new UploadOptions(Url("api/upload")), files);
            Assert.All(first, r => Assert.Equal(UploadStatus.Stored, r.Status));
            Assert.All(first, r => Assert.Equal(1, r.Attempts));
            Assert.Equal(files.Select(f => f.SopInstanceUid).OrderBy(x => x), _server.Store.Instances.Select(i => i.SOPInstanceUID).OrderBy(x => x));
            Assert.All(_server.Journal.For("upload"), e => Assert.Contains("Authorization", e.Headers, StringComparer.OrdinalIgnoreCase));

            var second = await Upload(new UploadOptions(Url("api/upload")), files);
            Assert.All(second, r => Assert.Equal(UploadStatus.AlreadyStored, r.Status));
        }

        [Fact]
        public async Task Raw503WithRetryAfterIsRetriedUntilStored()
        {
            _server.Faults.Add(new FaultRule("upload", FaultMode.Status) { StatusCode = 503, Count = 2, RetryAfterSec = 1 });
            var clock = new ManualClock();
            var upload = Upload(new UploadOptions(Url("api/upload")), Files(1), clock: clock);
            // Each retry waits what Retry-After says (1 s, not the 20 ms interval); the test moves the clock by it.
            for (var retry = 0; retry < 2; retry++)
            {
                Assert.Equal(TimeSpan.FromSeconds(1), await clock.NextWaitAsync(due => due < TimeSpan.FromSeconds(20)));
                clock.Advance(TimeSpan.FromSeconds(1));
            }
            var result = Assert.Single(await upload.WaitAsync(ManualClock.Guard));
            Assert.Equal(UploadStatus.Stored, result.Status);
            Assert.Equal(3, result.Attempts);
            Assert.Equal(new[] { 503, 503, 200 }, _server.Journal.For("upload").Select(e => e.StatusCode));
            Assert.All(_server.Journal.For("upload"), e => Assert.True(e.BodyBytes > 0)); // the file was re-sent in full each attempt
        }

        [Fact]
        public async Task AConnectionResetBeforeAnyAnswerIsRetried()
        {
            _server.Faults.Add(new FaultRule("upload", FaultMode.Reset) { Count = 1 });
            var result = Assert.Single(await Upload(new UploadOptions(Url("api/upload")), Files(1)));
            Assert.Equal(UploadStatus.Stored, result.Status);
            Assert.Equal(2, result.Attempts);
        }

        [Fact]
        public async Task ASlowServerTimesOutPerAttemptAndTheFileFailsAsTimeout()
        {
            // The server holds each request far longer than the guard; only the fake clock ends an attempt.
            _server.Faults.Add(new FaultRule("upload", FaultMode.Slow) { DelayMs = 600_000 });
            var clock = new ManualClock();
            var retry = new HttpRetryOptions { MaximumRetryCount = 1, RetryInterval = TimeSpan.Zero, AttemptTimeout = TimeSpan.FromSeconds(45) };
            var upload = Upload(new UploadOptions(Url("api/upload")), Files(1), retry, clock: clock);

            await Conditions.UntilAsync(() => _server.Journal.For("upload").Count == 1, "the first attempt to reach the server");
            await clock.ElapseNextWaitAsync(d => d == retry.AttemptTimeout);
            await Conditions.UntilAsync(() => _server.Journal.For("upload").Count == 2, "the second attempt to reach the server");
            await clock.ElapseNextWaitAsync(d => d == retry.AttemptTimeout);
            var result = Assert.Single(await upload.WaitAsync(ManualClock.Guard));

            Assert.Equal(UploadStatus.Failed, result.Status);
            Assert.Equal(2, result.Attempts);
            Assert.Equal(FailureKind.Timeout, Assert.IsType<DicomToolsHttpException>(result.GetException()).Kind);
            // Both attempts were abandoned by the client (the server never answered them).
            await Conditions.UntilAsync(() => _server.Journal.For("upload").All(e => e.Completed), "the server to see both attempts dropped");
            Assert.All(_server.Journal.For("upload"), e => Assert.Equal(0, e.StatusCode));
        }

        [Fact]
        public async Task AServerThatAlwaysFailsGivesUpAfterTheRetriesWithAServerError()
        {
            _server.Faults.Add(new FaultRule("upload", FaultMode.Status) { StatusCode = 500 });
            var retry = new HttpRetryOptions { MaximumRetryCount = 2, RetryInterval = TimeSpan.FromMilliseconds(10) };
            var result = Assert.Single(await Upload(new UploadOptions(Url("api/upload")), Files(1), retry));
            Assert.Equal(UploadStatus.Failed, result.Status);
            Assert.Equal(3, result.Attempts);
            Assert.Equal(500, result.StatusCode);
            Assert.Equal(FailureKind.ServerError, Assert.IsType<DicomToolsHttpException>(result.GetException()).Kind);
        }

        [Fact]
        public async Task ABadKeyFailsAtOnceAndTheKeyIsInNoMessage()
        {
            var results = await Upload(new UploadOptions(Url("api/upload")), Files(2), key: "wrong-key-1234");
            Assert.Equal(2, results.Count);
            // A request already in flight when the first refusal came back is refused too; one not yet started is not sent.
            var sent = results.Where(r => r.Status != UploadStatus.NotSent).ToArray();
            Assert.Contains(results[0], sent);
            Assert.All(sent, r => Assert.Equal(UploadStatus.Failed, r.Status));
            Assert.All(sent, r => Assert.Equal(1, r.Attempts));
            Assert.All(sent, r => Assert.Equal(FailureKind.Forbidden, Assert.IsType<DicomToolsHttpException>(r.GetException()).Kind));
            Assert.All(results, r => Assert.DoesNotContain("wrong-key-1234", r.Message + r.Response + r.GetException()));
        }

        [Fact]
        public async Task A200ThatIsNotJsonDoesNotCountAsStored()
        {
            _server.Faults.Add(new FaultRule("upload", FaultMode.NonJson) { Count = 1 });
            var result = Assert.Single(await Upload(new UploadOptions(Url("api/upload")), Files(1)));
            Assert.Equal(UploadStatus.Failed, result.Status);
            Assert.Contains("not JSON", result.Message);
            Assert.Empty(_server.Store.Instances);
        }

        /// <summary>Every file accounted for exactly once, whatever the faults and however the requests interleave.</summary>
        [Fact]
        public async Task ConcurrentUploadsWithFaultsAccountForEveryFileExactlyOnce()
        {
            _server.Faults.Add(new FaultRule("upload", FaultMode.Status) { StatusCode = 503, Count = 6 });
            _server.Faults.Add(new FaultRule("upload", FaultMode.Reset) { Count = 4 });
            _server.Faults.Add(new FaultRule("upload", FaultMode.Status) { StatusCode = 429, Count = 3 });
            var files = Files(40);
            files.Add(NotDicom());
            var results = await Upload(new UploadOptions(Url("api/upload")) { ThrottleLimit = 8 }, files,
                new HttpRetryOptions { MaximumRetryCount = 5, RetryInterval = TimeSpan.FromMilliseconds(10) });

            Assert.Equal(files.Select(f => f.Path).OrderBy(p => p), results.Select(r => r.Path).OrderBy(p => p));
            Assert.Equal(40, results.Count(r => r.Status == UploadStatus.Stored));
            var bad = Assert.Single(results, r => r.Status == UploadStatus.Failed);
            Assert.EndsWith("notes.dcm", bad.Path);
            Assert.Equal(400, bad.StatusCode);
            Assert.Equal(40, _server.Store.Instances.Count);
            Assert.Equal(41 + 6 + 4 + 3, _server.Journal.For("upload").Count);
        }

        [Fact]
        public async Task StowRsReadsPartialSuccessPerFile()
        {
            var files = Files(3);
            files.Insert(1, NotDicom());
            var results = await Upload(new UploadOptions(Url("dicom-web/studies")) { Protocol = UploadProtocol.StowRs, BatchSize = 10 }, files);
            Assert.Equal(3, results.Count(r => r.Status == UploadStatus.Stored));
            var bad = Assert.Single(results, r => r.Status == UploadStatus.Failed);
            Assert.EndsWith("notes.dcm", bad.Path);
            Assert.All(results, r => Assert.Equal(202, r.StatusCode));
            Assert.Equal(3, _server.Store.Instances.Count);
            Assert.Single(_server.Journal.For("stow"));
        }

        [Fact]
        public async Task ArchiveStoresEveryEntryInOneRequest()
        {
            var files = Files(5);
            var results = await Upload(new UploadOptions(Url("api/upload/archive")) { Protocol = UploadProtocol.Archive }, files);
            Assert.All(results, r => Assert.Equal(UploadStatus.Stored, r.Status));
            Assert.All(results, r => Assert.NotNull(r.ServerId));
            Assert.Equal(5, _server.Store.Instances.Count);
            Assert.Single(_server.Journal.For("archive"));
        }

        [Fact]
        public async Task AtomicArchiveWithOneBadFileStoresNothingAndSaysWhich()
        {
            var files = Files(4);
            files.Add(NotDicom());
            var results = await Upload(new UploadOptions(Url("api/upload/archive")) { Protocol = UploadProtocol.Archive, Atomic = true }, files);
            Assert.All(results, r => Assert.Equal(UploadStatus.Failed, r.Status));
            Assert.All(results, r => Assert.False(r.RolledBack));
            Assert.Empty(_server.Store.Instances);
            var bad = Assert.Single(results, r => r.FailureReason == UploadFailureReason.RejectedByServer);
            Assert.EndsWith("notes.dcm", bad.Path);
            Assert.All(results.Where(r => r != bad), r => Assert.Equal(UploadFailureReason.AtomicSetFailed, r.FailureReason));
            Assert.All(results, r => Assert.Contains("none is stored", r.Message));
            // Auto detection asked once (the lab server is no Orthanc), then one archive request.
            Assert.Single(_server.Journal.For("archive"));
        }

        /// <summary>A pipeline stopped downstream (Select-Object -First) disposes the cmdlet early: nothing may be sent after that.</summary>
        [Fact]
        public async Task DisposingBeforeTheEndSendsNothingThatWasHeldOrQueued()
        {
            using var executor = new HttpExecutor(HttpClientFactory.Create(HttpConnectionSettings.Default), new HttpRetryOptions(), null, ownsClient: true);
            using var secret = SecureText.Protect(_server.Options.Keys.UploadKey);
            var sender = new HttpExecutorUploadSender(executor, ApiCredential.ApiKey(secret, "Authorization"));
            var scheduler = new UploadScheduler(new UploadOptions(Url("api/upload/archive")) { Protocol = UploadProtocol.Archive }, sender, null, CancellationToken.None);
            foreach (var file in Files(3)) scheduler.Add(file);
            scheduler.Dispose();
            // Once the workers have ended, nothing can be sent any more: no need to wait on the clock for a request that should not come.
            await scheduler.Completion.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Empty(_server.Journal.For("archive"));
            Assert.Empty(_server.Store.Instances);
        }

        [Fact]
        public async Task CancellingStopsEverythingInFlightPromptlyAndStillAccountsForEveryFile()
        {
            _server.Faults.Add(new FaultRule("upload", FaultMode.Slow) { DelayMs = 30_000 });
            using var cancel = new CancellationTokenSource();
            var inFlight = new InFlightSignal(2);
            var results = Upload(new UploadOptions(Url("api/upload")) { ThrottleLimit = 2 }, Files(6), cancellationToken: cancel.Token, wrap: inFlight.Wrap);
            await inFlight.Reached.WaitAsync(TimeSpan.FromSeconds(30));
            var clock = Stopwatch.StartNew();
            cancel.Cancel();
            var all = await results.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "cancellation took " + clock.Elapsed);
            Assert.Equal(6, all.Count);
            Assert.All(all, r => Assert.Equal(UploadFailureReason.Cancelled, r.FailureReason));
            // The two in flight were sent and failed; the four behind them were never sent.
            Assert.Equal(2, all.Count(r => r.Status == UploadStatus.Failed));
            Assert.Equal(4, all.Count(r => r.Status == UploadStatus.NotSent));
            Assert.True(_server.Journal.For("upload").Count <= 2, "a queued file was sent after the cancellation");
        }

        /// <summary>Issue 9 item 20: a refused key is refused for every file; one request says so, the rest are not sent.</summary>
        [Fact]
        public async Task ARefusedKeyStopsTheBatchAndTheRestIsNotSent()
        {
            var files = Files(5);
            var results = await Upload(new UploadOptions(Url("api/upload")) { ThrottleLimit = 1 }, files, key: "wrong-key-5678");
            Assert.Equal(files.Select(f => f.Path), results.Select(r => r.Path));
            Assert.Equal(UploadStatus.Failed, results[0].Status);
            Assert.Equal(UploadFailureReason.NotAuthorized, results[0].FailureReason);
            Assert.All(results.Skip(1), r => Assert.Equal(UploadStatus.NotSent, r.Status));
            Assert.All(results.Skip(1), r => Assert.Equal(UploadFailureReason.StoppedAfterRefusal, r.FailureReason));
            Assert.All(results.Skip(1), r => Assert.Contains("refused the credential for 'img0001.dcm'", r.Message));
            Assert.Single(_server.Journal.For("upload"));
        }

        /// <summary>Signals once <c>count</c> requests have been handed to the HTTP core (they are then in flight).</summary>
        private sealed class InFlightSignal
        {
            private readonly int _count;
            private int _started;
            private readonly TaskCompletionSource _reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            public InFlightSignal(int count) { _count = count; }
            public Task Reached => _reached.Task;
            public IUploadSender Wrap(IUploadSender inner) => new Counting(inner, this);

            private sealed class Counting : IUploadSender
            {
                private readonly IUploadSender _inner;
                private readonly InFlightSignal _signal;
                public Counting(IUploadSender inner, InFlightSignal signal) { _inner = inner; _signal = signal; }
                public Task<UploadExchange> SendAsync(UploadRequest request, CancellationToken cancellationToken)
                {
                    var sent = _inner.SendAsync(request, cancellationToken);
                    if (Interlocked.Increment(ref _signal._started) == _signal._count) _signal._reached.TrySetResult();
                    return sent;
                }
            }
        }
    }
}
