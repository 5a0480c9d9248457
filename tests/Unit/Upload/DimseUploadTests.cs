using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Dicom;
using DicomTools.Dicom.Network;
using DicomTools.Engine.Http;
using DicomTools.Engine.Upload;
using DicomTools.Engine.Upload.Scheduling;
using DicomTools.Tests.Unit.Dicom;
using DicomTools.Tests.Unit.Network;
using DicomTools.Tests.Unit.Support;
using Microsoft.Extensions.Logging;
using Xunit;
using static DicomTools.Tests.Unit.Network.PeerConnection;

namespace DicomTools.Tests.Unit.Upload
{
    /// <summary>-Protocol Dimse through the upload scheduler: dcmtk's storescp, and a scripted peer for the status paths.</summary>
    public class DimseUploadTests
    {
        private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

        private static string Write(TempFolder temp, string name, string instance, string ts)
        {
            var b = DicomTestFiles.Image();
            b.Add(DicomTag.SopInstanceUid, "UI", "1.2.826.0.1.3680043.10.1234.77." + instance);
            return DicomTestFiles.Write(temp, name, b, ts);
        }

        private static UploadOptions Options(int port, int throttle, string called = "STORESCP", int retries = 2) => new UploadOptions(new Uri("dicom://" + called + "@127.0.0.1:" + port))
        {
            Protocol = UploadProtocol.Dimse,
            ThrottleLimit = throttle,
            Dimse = new DicomAssociationOptions("127.0.0.1", port, called).WithTimeout(TimeSpan.FromSeconds(30)),
            // No backoff: the retry path is what is tested, not the clock.
            Retry = new HttpRetryOptions { MaximumRetryCount = retries, RetryInterval = TimeSpan.Zero },
        };

        private static async Task<IReadOnlyList<UploadResult>> UploadAsync(UploadOptions options, IEnumerable<string> files, ILoggerProvider? logs = null)
        {
            using var scheduler = new UploadScheduler(options, new NoHttp(), logs, default);
            var results = await scheduler.UploadAllAsync(files.Select(f => new UploadFile(f, new System.IO.FileInfo(f).Length))).WaitAsync(Guard);
            await scheduler.Completion.WaitAsync(Guard);
            return results;
        }

        [RequiresToolTheory("storescp", "dcmdump")]
        [InlineData(1)]
        [InlineData(3)]
        public async Task FilesAreStoredIdenticallyOverAtMostThrottleLimitAssociations(int throttle)
        {
            using var temp = new TempFolder();
            // Both syntaxes are in the first association's proposal (its uncompressed fallback), so none is re-opened.
            var syntaxes = new[] { DicomTestFiles.ExplicitLE, DicomTestFiles.ImplicitLE };
            var files = Enumerable.Range(0, 9).Select(i => Write(temp, "f" + i + ".dcm", (100 + i).ToString(), syntaxes[i % 2])).ToArray();
            // Without --fork storescp serves one association at a time; parallel associations need a process each.
            using var scp = throttle == 1 ? await StoreScp.StartAsync(temp, "-v") : await StoreScp.StartAsync(temp, "-v", "--fork");
            var results = await UploadAsync(Options(scp.Port, throttle), files);

            Assert.Equal(files, results.Select(r => r.Path));
            Assert.All(results, r =>
            {
                Assert.True(r.Status == UploadStatus.Stored, r.Path + ": " + r.Message);
                Assert.Equal(0, r.StatusCode);
                Assert.Equal(1, r.Attempts);
                Assert.Equal(UploadProtocol.Dimse, r.Protocol);
            });
            foreach (var r in results)
                Assert.Equal(NetworkTestFiles.ComparableDump(r.Path, ignorePrivateVr: true), NetworkTestFiles.ComparableDump(NetworkTestFiles.StoredFile(scp, r.SopInstanceUid!), ignorePrivateVr: true));
            var associations = CountOccurrences(scp.Log, "Association Acknowledged"); // "Received" also counts the harness's readiness probe
            Assert.True(associations >= 1 && associations <= throttle, scp.Log);
            // Every association ended by an orderly release, none aborted.
            Assert.Equal(associations, CountOccurrences(scp.Log, "Association Release"));
        }

        [Fact]
        public async Task OutOfResourcesIsRetriedOnANewAssociationAndOnlyTheUnconfirmedFileIsResent()
        {
            using var temp = new TempFolder();
            var first = Write(temp, "first.dcm", "201", DicomTestFiles.ExplicitLE);
            var second = Write(temp, "second.dcm", "202", DicomTestFiles.ExplicitLE);
            var received = new List<string>();
            var statuses = new Queue<ushort>(new ushort[] { 0x0000, 0xA700, 0x0000 });
            await using var peer = new MultiConnectionPeer(async c =>
            {
                var rq = await c.ReadAsync();
                await c.SendAsync(0x02, AcceptBody(rq!));
                while (true)
                {
                    var pdu = await c.ReadAsync();
                    if (pdu == null) return;
                    if (pdu.Type == 0x05) { await c.SendAsync(0x06, new byte[4]); return; }
                    var msg = await ReadRestAsync(c, pdu);
                    var instance = System.Text.Encoding.ASCII.GetString(Element(msg.Command, 0x1000)!).TrimEnd('\0');
                    ushort status;
                    lock (received) { received.Add(instance); status = statuses.Dequeue(); }
                    await c.WriteAsync(PData(msg.Context, true, true, Command((0x0002, Element(msg.Command, 0x0002)!), (0x0100, US(0x8001)),
                        (0x0120, Element(msg.Command, 0x0110)!), (0x0800, US(0x0101)), (0x0900, US(status)), (0x1000, UI(instance)))));
                    if (status != 0) { await c.DrainAsync(); return; }
                }
            });
            var logs = new ListLoggerProvider();
            var results = await UploadAsync(Options(peer.Port, 1, "SCRIPTED"), new[] { first, second }, logs);

            Assert.All(results, r => Assert.True(r.Status == UploadStatus.Stored, r.Message));
            Assert.Equal(1, results[0].Attempts);
            Assert.Equal(2, results[1].Attempts);
            Assert.Equal(0, results[1].StatusCode);
            Assert.Equal(new[] { "1.2.826.0.1.3680043.10.1234.77.201", "1.2.826.0.1.3680043.10.1234.77.202", "1.2.826.0.1.3680043.10.1234.77.202" }, received);
            Assert.Equal(2, peer.Connections);
            var retry = Assert.Single(logs.Lines, l => l.Contains("retrying"));
            Assert.Contains("second.dcm", retry);
            Assert.Contains("attempt 1/3", retry);
            Assert.Contains("A700", retry);
        }

        [Theory]
        [InlineData(0xB000, UploadStatus.Stored, "coerced")]
        [InlineData(0xA900, UploadStatus.Failed, "does not match SOP class (A900)")]
        [InlineData(0xC001, UploadStatus.Failed, "cannot understand (C001)")]
        public async Task StatusesMapToResultsWithTheErrorComment(int status, UploadStatus expected, string meaning)
        {
            using var temp = new TempFolder();
            var file = Write(temp, "one.dcm", "301", DicomTestFiles.ExplicitLE);
            await using var peer = new MultiConnectionPeer(async c =>
            {
                var rq = await c.ReadAsync();
                await c.SendAsync(0x02, AcceptBody(rq!));
                var pdu = await c.ReadAsync();
                var msg = await ReadRestAsync(c, pdu!);
                await c.WriteAsync(PData(msg.Context, true, true, Command((0x0002, Element(msg.Command, 0x0002)!), (0x0100, US(0x8001)),
                    (0x0120, Element(msg.Command, 0x0110)!), (0x0800, US(0x0101)), (0x0900, US((ushort)status)), (0x0902, UI("said the archive")))));
                var release = await c.ReadAsync();
                if (release?.Type == 0x05) await c.SendAsync(0x06, new byte[4]);
            });
            var result = Assert.Single(await UploadAsync(Options(peer.Port, 1, "SCRIPTED"), new[] { file }));
            Assert.Equal(expected, result.Status);
            Assert.Equal(status, result.StatusCode);
            Assert.Equal(1, result.Attempts);
            Assert.Contains(meaning, result.Message);
            Assert.Contains("said the archive", result.Message);
            if (expected == UploadStatus.Failed) Assert.IsType<DicomTools.Engine.Upload.Protocols.DicomStoreFailedException>(result.GetException());
        }

        [Fact]
        public async Task PermanentRejectionFailsTheFirstFileWithTheReasonAndSendsNoMore()
        {
            using var temp = new TempFolder();
            var files = Enumerable.Range(0, 3).Select(i => Write(temp, "r" + i + ".dcm", (400 + i).ToString(), DicomTestFiles.ExplicitLE)).ToArray();
            await using var peer = new MultiConnectionPeer(async c =>
            {
                await c.ReadAsync();
                await c.SendAsync(0x03, new byte[] { 0, 1, 1, 7 });
            });
            var results = await UploadAsync(Options(peer.Port, 1, "NOSUCHAE"), files);
            Assert.Equal(UploadStatus.Failed, results[0].Status);
            Assert.Equal(UploadFailureReason.RejectedByServer, results[0].FailureReason);
            Assert.Contains("called AE title not recognized", results[0].Message);
            Assert.IsType<DicomAssociationRejectedException>(results[0].GetException());
            Assert.All(results.Skip(1), r => { Assert.Equal(UploadStatus.NotSent, r.Status); Assert.Contains("rejected the association permanently", r.Message); });
            Assert.Equal(1, peer.Connections);
        }

        [Fact]
        public async Task ConnectionRefusedIsRetriedThenFailsAsTransport()
        {
            using var temp = new TempFolder();
            var file = Write(temp, "refused.dcm", "501", DicomTestFiles.ExplicitLE);
            int port;
            // A port bound and never listened on refuses connections for as long as we hold it.
            using (var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                port = ((IPEndPoint)holder.LocalEndPoint!).Port;
                var result = Assert.Single(await UploadAsync(Options(port, 1, "ANY", retries: 1), new[] { file }));
                Assert.Equal(UploadStatus.Failed, result.Status);
                Assert.Equal(UploadFailureReason.Transport, result.FailureReason);
                Assert.Equal(2, result.Attempts);
                Assert.Null(result.StatusCode);
                Assert.IsAssignableFrom<DicomNetworkException>(result.GetException());
            }
        }

        [Fact]
        public void AtomicIsRefusedForDimse()
        {
            var options = Options(104, 1);
            options.Atomic = true;
            var ex = Assert.Throws<ArgumentException>(() => new UploadScheduler(options, new NoHttp(), null, default));
            Assert.Contains("DIMSE has no all-or-nothing", ex.Message);
        }

        private static async Task<(byte[] Command, byte Context)> ReadRestAsync(PeerConnection c, Network.Pdu first)
        {
            // The first P-DATA-TF was read to tell it from a release request; gather the command and data set from there.
            var command = new System.IO.MemoryStream();
            byte context = 0;
            bool commandDone = false, dataDone = false;
            var pdu = first;
            while (true)
            {
                foreach (var (ctx, control, bytes) in Pdvs(pdu))
                {
                    context = ctx;
                    if ((control & 1) != 0) { command.Write(bytes); if ((control & 2) != 0) commandDone = true; }
                    else if ((control & 2) != 0) dataDone = true;
                }
                if (commandDone && dataDone) return (command.ToArray(), context);
                pdu = (await c.ReadAsync())!;
            }
        }

        private static int CountOccurrences(string text, string what)
        {
            var count = 0;
            for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal)) count++;
            return count;
        }

        /// <summary>The DIMSE protocol never calls HTTP.</summary>
        private sealed class NoHttp : IUploadSender
        {
            public Task<UploadExchange> SendAsync(UploadRequest request, CancellationToken cancellationToken) =>
                throw new InvalidOperationException("Dimse must not send HTTP requests.");
        }

        /// <summary>Like ScriptedPeer, but every connection runs the script (a retry opens a new association).</summary>
        private sealed class MultiConnectionPeer : IAsyncDisposable
        {
            private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
            private readonly CancellationTokenSource _stop = new();
            private readonly Task _run;
            private int _connections;

            public MultiConnectionPeer(Func<PeerConnection, Task> script)
            {
                _listener.Start();
                Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
                _run = Task.Run(async () =>
                {
                    var sessions = new List<Task>();
                    try
                    {
                        while (true)
                        {
                            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                            Interlocked.Increment(ref _connections);
                            client.NoDelay = true;
                            sessions.Add(Task.Run(async () => { using (client) await script(new PeerConnection(client.GetStream(), _stop.Token)); }));
                        }
                    }
                    catch (OperationCanceledException) { }
                    await Task.WhenAll(sessions);
                });
            }

            public int Port { get; }
            public int Connections => Volatile.Read(ref _connections);

            public async ValueTask DisposeAsync()
            {
                _stop.Cancel();
                try { await _run.WaitAsync(TimeSpan.FromSeconds(20)); } catch (Exception) { /* the test already asserted what it needed */ }
                _listener.Stop();
                _stop.Dispose();
            }
        }

        private sealed class ListLoggerProvider : ILoggerProvider, ILogger
        {
            private readonly List<string> _lines = new();
            public IReadOnlyList<string> Lines { get { lock (_lines) return _lines.ToArray(); } }
            public ILogger CreateLogger(string categoryName) => this;
            public IDisposable BeginScope<TState>(TState state) where TState : notnull => this;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            { if (logLevel >= LogLevel.Information) lock (_lines) _lines.Add(formatter(state, exception)); }
            public void Dispose() { }
        }
    }
}
