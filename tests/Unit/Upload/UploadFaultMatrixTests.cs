using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Engine.Http;
using DicomTools.Engine.Upload;
using DicomTools.Engine.Upload.Scheduling;
using DicomTools.LabServer;
using DicomTools.Tests.Unit.LabServer;
using DicomTools.Tests.Unit.Support;
using Xunit;
using Xunit.Abstractions;

namespace DicomTools.Tests.Unit.Upload
{
    /// <summary>
    /// Issue 9's fault matrix: every server fault an upload meets in the field × ThrottleLimit 1 and 8, through the real
    /// HTTP core against the in-process lab server. For each case: every file is accounted for exactly once (Stored,
    /// Failed or NotSent), with the status the fault calls for, and retries stay within -MaximumRetryCount. Time is a
    /// <see cref="ManualClock"/> moved by what the code under test waits for (retry delays, Retry-After, per-attempt
    /// timeouts): no case waits on the wall clock, so the whole matrix takes seconds.
    /// </summary>
    public sealed class UploadFaultMatrixTests : IAsyncLifetime
    {
        private const int FileCount = 16;
        // Enough for the first file at ThrottleLimit 1 to meet both the 503 and the 429 and still be stored.
        private const int MaximumRetryCount = 2;
        // Longer than all the retry delays of a case put together, so that moving time past them never times out an
        // attempt that is still running for real; only the slow-server case moves time past it.
        private static readonly TimeSpan AttemptTimeout = TimeSpan.FromHours(1);

        private readonly ITestOutputHelper _output;
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dicomtools-fault-matrix-" + Guid.NewGuid().ToString("N"));
        private LabServerHost _server = null!;

        public UploadFaultMatrixTests(ITestOutputHelper output) { _output = output; }

        public enum Fault { ConnectionRefused, ConnectionReset, RetryAfter503And429, SlowServer, ServerError500Forever, Unauthorized401, ServerKilledMidRun }

        public static IEnumerable<object[]> Cases() =>
            from fault in Enum.GetValues<Fault>()
            from throttle in new[] { 1, 8 }
            select new object[] { fault, throttle };

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

        [Theory]
        [MemberData(nameof(Cases))]
        public async Task EveryFileIsAccountedForExactlyOnceWithTheRightStatusAndBoundedRetries(Fault fault, int throttleLimit)
        {
            var watch = Stopwatch.StartNew();
            var files = Files(FileCount);
            var endpoint = new Uri(_server.BaseAddress, "api/upload");
            Socket? deadPort = null;
            Func<IUploadSender, IUploadSender>? wrap = null;
            KillAfter? killer = null;
            var killAfter = FileCount / 2;
            switch (fault)
            {
                case Fault.ConnectionRefused:
                    // Bound, never listening, and kept: connecting is refused, and no other program can take the port meanwhile.
                    deadPort = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    deadPort.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                    endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)deadPort.LocalEndPoint!).Port}/api/upload");
                    break;
                case Fault.ConnectionReset:
                    _server.Faults.Add(new FaultRule(LabEndpoints.Upload, FaultMode.Reset) { Count = 2 });
                    break;
                case Fault.RetryAfter503And429:
                    _server.Faults.Add(new FaultRule(LabEndpoints.Upload, FaultMode.Status) { StatusCode = 503, Count = 1, RetryAfterSec = 7 });
                    _server.Faults.Add(new FaultRule(LabEndpoints.Upload, FaultMode.Status) { StatusCode = 429, Count = 1, RetryAfterSec = 11 });
                    break;
                case Fault.SlowServer:
                    _server.Faults.Add(new FaultRule(LabEndpoints.Upload, FaultMode.Slow) { DelayMs = 600_000 });
                    break;
                case Fault.ServerError500Forever:
                    _server.Faults.Add(new FaultRule(LabEndpoints.Upload, FaultMode.Status) { StatusCode = 500 });
                    break;
                case Fault.Unauthorized401:
                    _server.Faults.Add(new FaultRule(LabEndpoints.Upload, FaultMode.Status) { StatusCode = 401 });
                    break;
                case Fault.ServerKilledMidRun:
                    killer = new KillAfter(killAfter, _server);
                    wrap = killer.Wrap;
                    break;
            }

            var clock = new ManualClock();
            var began = clock.GetUtcNow();
            var waited = new List<TimeSpan>();
            IReadOnlyList<UploadResult> results;
            try
            {
                var retry = new HttpRetryOptions { MaximumRetryCount = MaximumRetryCount, RetryInterval = TimeSpan.FromSeconds(1), AttemptTimeout = AttemptTimeout };
                using var executor = new HttpExecutor(HttpClientFactory.Create(HttpConnectionSettings.Default), retry, null, ownsClient: true, timeProvider: clock);
                using var secret = SecureText.Protect(_server.Options.Keys.UploadKey);
                IUploadSender sender = new HttpExecutorUploadSender(executor, ApiCredential.ApiKey(secret, "Authorization"));
                if (wrap != null) sender = wrap(sender);
                using var scheduler = new UploadScheduler(new UploadOptions(endpoint) { ThrottleLimit = throttleLimit }, sender, null, CancellationToken.None);
                var upload = scheduler.UploadAllAsync(files);
                // Moves the clock by each wait the uploads start: retry delays and Retry-After always, the per-attempt
                // timeout only where the server never answers.
                var movesTimeouts = fault == Fault.SlowServer;
                await PumpClockAsync(clock, upload, due => movesTimeouts || due < AttemptTimeout, waited);
                results = await upload.WaitAsync(ManualClock.Guard);
            }
            finally
            {
                deadPort?.Dispose();
            }

            // Every file exactly once, in input order, whatever happened.
            Assert.Equal(files.Select(f => f.Path), results.Select(r => r.Path));
            Assert.All(results, r => Assert.Contains(r.Status, new[] { UploadStatus.Stored, UploadStatus.Failed, UploadStatus.NotSent }));
            // Bounded retries: never more attempts than the first plus -MaximumRetryCount.
            Assert.All(results, r => Assert.InRange(r.Attempts, 0, MaximumRetryCount + 1));
            var stored = results.Where(r => r.Status == UploadStatus.Stored).ToList();
            var failed = results.Where(r => r.Status == UploadStatus.Failed).ToList();
            var notSent = results.Where(r => r.Status == UploadStatus.NotSent).ToList();
            Assert.All(notSent, r => Assert.Equal(0, r.Attempts));
            var journalCount = fault == Fault.ServerKilledMidRun ? 0 : _server.Journal.For(LabEndpoints.Upload).Count;

            switch (fault)
            {
                case Fault.ConnectionRefused:
                    AllFailedAfterEveryRetry(results, FailureKind.ConnectionFailed);
                    break;
                case Fault.ConnectionReset:
                    Assert.Equal(FileCount, stored.Count);
                    Assert.Equal(FileCount, _server.Store.Instances.Count);
                    // The two reset requests reached the server and were retried (by us, or by the HTTP stack itself when
                    // the reset came on a reused connection: then it is not one of our attempts).
                    Assert.Equal(FileCount + 2, journalCount);
                    Assert.InRange(results.Sum(r => r.Attempts), FileCount, FileCount + 2);
                    break;
                case Fault.RetryAfter503And429:
                    Assert.Equal(FileCount, stored.Count);
                    Assert.Equal(FileCount + 2, results.Sum(r => r.Attempts));
                    Assert.Equal(FileCount + 2, journalCount);
                    // The server's Retry-After was honoured, not the 1 s backoff.
                    Assert.Contains(TimeSpan.FromSeconds(7), waited);
                    Assert.Contains(TimeSpan.FromSeconds(11), waited);
                    break;
                case Fault.SlowServer:
                    AllFailedAfterEveryRetry(results, FailureKind.Timeout);
                    Assert.Empty(_server.Store.Instances);
                    break;
                case Fault.ServerError500Forever:
                    AllFailedAfterEveryRetry(results, FailureKind.ServerError);
                    Assert.All(results, r => Assert.Equal(500, r.StatusCode));
                    Assert.Equal(FileCount * (MaximumRetryCount + 1), journalCount);
                    break;
                case Fault.Unauthorized401:
                    // No retry for a refused credential; the requests in flight when it came back fail, the rest is not sent.
                    Assert.Empty(stored);
                    Assert.InRange(failed.Count, 1, throttleLimit);
                    Assert.Equal(results[0], failed[0]);
                    Assert.All(failed, r => Assert.Equal(UploadFailureReason.NotAuthorized, r.FailureReason));
                    Assert.All(failed, r => Assert.Equal(1, r.Attempts));
                    Assert.All(failed, r => Assert.Equal(FailureKind.Unauthorized, Assert.IsType<DicomToolsHttpException>(r.GetException()).Kind));
                    Assert.Equal(FileCount - failed.Count, notSent.Count);
                    Assert.All(notSent, r => Assert.Equal(UploadFailureReason.StoppedAfterRefusal, r.FailureReason));
                    Assert.Equal(failed.Count, journalCount);
                    break;
                case Fault.ServerKilledMidRun:
                    // What the server stored before it died is reported Stored, exactly; everything after fails on the dead port.
                    Assert.Equal(killAfter, stored.Count);
                    Assert.Equal(killer!.StoredBeforeKill.OrderBy(u => u), stored.Select(r => r.File.SopInstanceUid).OrderBy(u => u));
                    Assert.Equal(FileCount - killAfter, failed.Count);
                    Assert.All(failed, r => Assert.Equal(MaximumRetryCount + 1, r.Attempts));
                    Assert.All(failed, r => Assert.Equal(FailureKind.ConnectionFailed, Assert.IsType<DicomToolsHttpException>(r.GetException()).Kind));
                    break;
            }
            _output.WriteLine($"{fault} x ThrottleLimit {throttleLimit}: {results.Count} files, {stored.Count} Stored, {failed.Count} Failed, "
                + $"{notSent.Count} NotSent, {results.Sum(r => r.Attempts)} attempts, {clock.GetUtcNow() - began:g} on the fake clock, {watch.ElapsedMilliseconds} ms real");
        }

        private static void AllFailedAfterEveryRetry(IReadOnlyList<UploadResult> results, FailureKind kind)
        {
            Assert.All(results, r => Assert.Equal(UploadStatus.Failed, r.Status));
            Assert.All(results, r => Assert.Equal(UploadFailureReason.Transport, r.FailureReason));
            Assert.All(results, r => Assert.Equal(MaximumRetryCount + 1, r.Attempts));
            Assert.All(results, r => Assert.Equal(kind, Assert.IsType<DicomToolsHttpException>(r.GetException()).Kind));
        }

        /// <summary>Until <paramref name="work"/> ends, moves the clock past each wait that <paramref name="moves"/> accepts, as soon as it starts.</summary>
        private static async Task PumpClockAsync(ManualClock clock, Task work, Func<TimeSpan, bool> moves, List<TimeSpan> waited)
        {
            var guard = Stopwatch.StartNew();
            while (!work.IsCompleted)
            {
                if (guard.Elapsed > TimeSpan.FromMinutes(2)) throw new TimeoutException("The uploads did not end within the guard.");
                var next = clock.NextWaitAsync(moves);
                // Off the test framework's synchronization context: timers fire (and retries resume) on the pool, as in a cmdlet.
                if (await Task.WhenAny(work, next).ConfigureAwait(false) == work) break;
                // No wait started within ManualClock.Guard: the requests are just slow on a loaded machine; look again.
                if (next.IsFaulted && next.Exception!.InnerException is TimeoutException) continue;
                var due = await next.ConfigureAwait(false);
                waited.Add(due);
                clock.Advance(due);
            }
        }

        private List<UploadFile> Files(int count)
        {
            var files = new List<UploadFile>();
            for (var i = 1; i <= count; i++)
            {
                var path = new TestDicom { SopInstanceUid = "1.2.826.0.1.3680043.2.1125.77." + i, PixelBytes = 512 }.WriteTo(_folder, $"img{i:D4}.dcm");
                files.Add(new UploadFile(path, new FileInfo(path).Length) { SopInstanceUid = "1.2.826.0.1.3680043.2.1125.77." + i });
            }
            return files;
        }

        /// <summary>
        /// Stops the server for good once <c>count</c> files were uploaded: files beyond them wait for the kill before
        /// their first request, so that the split is deterministic at any ThrottleLimit.
        /// </summary>
        private sealed class KillAfter
        {
            private readonly int _count;
            private readonly LabServerHost _server;
            private readonly TaskCompletionSource _killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            private int _started;
            private int _finished;

            public KillAfter(int count, LabServerHost server) { _count = count; _server = server; }

            public IReadOnlyList<string> StoredBeforeKill { get; private set; } = Array.Empty<string>();

            public IUploadSender Wrap(IUploadSender inner) => new Sender(inner, this);

            private sealed class Sender : IUploadSender
            {
                private readonly IUploadSender _inner;
                private readonly KillAfter _owner;
                public Sender(IUploadSender inner, KillAfter owner) { _inner = inner; _owner = owner; }

                public async Task<UploadExchange> SendAsync(UploadRequest request, CancellationToken cancellationToken)
                {
                    if (Interlocked.Increment(ref _owner._started) > _owner._count)
                    {
                        await _owner._killed.Task.ConfigureAwait(false);
                        return await _inner.SendAsync(request, cancellationToken).ConfigureAwait(false);
                    }
                    try { return await _inner.SendAsync(request, cancellationToken).ConfigureAwait(false); }
                    finally
                    {
                        if (Interlocked.Increment(ref _owner._finished) == _owner._count)
                        {
                            _owner.StoredBeforeKill = _owner._server.Store.Instances.Select(i => i.SOPInstanceUID).ToList();
                            await _owner._server.DisposeAsync().ConfigureAwait(false);
                            _owner._killed.TrySetResult();
                        }
                    }
                }
            }
        }
    }
}
