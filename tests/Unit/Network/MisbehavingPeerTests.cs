using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Dicom.Network;
using DicomTools.Tests.Unit.Dicom;
using DicomTools.Tests.Unit.Support;
using Xunit;
using static DicomTools.Tests.Unit.Network.PeerConnection;

namespace DicomTools.Tests.Unit.Network
{
    /// <summary>A scripted peer that breaks the protocol in one way each: every case ends in a clear error, never a hang.</summary>
    public class MisbehavingPeerTests
    {
        private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);

        private static DicomAssociationOptions Options(int port, TimeProvider? time = null) =>
            new DicomAssociationOptions("127.0.0.1", port, "SCRIPTED") { TimeProvider = time ?? TimeProvider.System }.WithTimeout(TimeSpan.FromSeconds(30));

        private static Task<DicomAssociation> OpenEcho(int port, TimeProvider? time = null, CancellationToken ct = default) =>
            DicomAssociation.OpenAsync(Options(port, time), new[] { DicomPresentationContext.Verification() }, ct);

        [Fact]
        public async Task RejectionReasonIsASentence()
        {
            await using var peer = new ScriptedPeer(async c =>
            {
                await c.ReadAsync();
                await c.SendAsync(0x03, new byte[] { 0, 1, 1, 7 });
                await c.DrainAsync();
            });
            var ex = await Assert.ThrowsAsync<DicomAssociationRejectedException>(() => OpenEcho(peer.Port).WaitAsync(Guard));
            Assert.Contains("called AE title not recognized (PS3.8 reason 7)", ex.Message);
            Assert.False(ex.IsTransient);
            Assert.Equal(DicomNetworkFailure.Rejected, ex.Failure);
        }

        [Fact]
        public async Task NeverAnsweringPeerTimesOutOnTheInjectedClockAndGetsAnAbort()
        {
            var time = new ManualClock();
            var requestRead = new TaskCompletionSource();
            Pdu? afterTimeout = null;
            await using var peer = new ScriptedPeer(async c =>
            {
                await c.ReadAsync();
                requestRead.SetResult();
                afterTimeout = await c.ReadAsync();   // silence, until the client gives up
                await c.DrainAsync();
            });
            var options = Options(peer.Port, time);
            options.ConnectTimeout = options.WriteTimeout = TimeSpan.FromMinutes(10);
            var open = DicomAssociation.OpenAsync(options, new[] { DicomPresentationContext.Verification() }, default);
            await requestRead.Task.WaitAsync(Guard);
            // ARTIM (30 s, unlike the other timeouts) is armed once the request is written and the answer awaited.
            await time.NextWaitAsync(d => d == TimeSpan.FromSeconds(30));
            time.Advance(TimeSpan.FromSeconds(29));
            Assert.False(open.IsCompleted);
            time.Advance(TimeSpan.FromSeconds(2));
            var ex = await Assert.ThrowsAsync<DicomNetworkTimeoutException>(() => open.WaitAsync(Guard));
            Assert.Contains("A-ASSOCIATE-RQ", ex.Message);
            Assert.Contains("30 s", ex.Message);
            await peer.Completion;
            Assert.NotNull(afterTimeout);
            Assert.Equal(0x07, afterTimeout!.Type);
        }

        [Fact]
        public async Task UnknownPduTypeIsAProtocolErrorAndTheClientAborts()
        {
            Pdu? answer = null;
            await using var peer = new ScriptedPeer(async c =>
            {
                await c.ReadAsync();
                await c.SendAsync(0x09, new byte[] { 1, 2, 3, 4 });
                answer = await c.ReadAsync();
                await c.DrainAsync();
            });
            var ex = await Assert.ThrowsAsync<DicomProtocolException>(() => OpenEcho(peer.Port).WaitAsync(Guard));
            Assert.Contains("unknown PDU type 0x09", ex.Message);
            await peer.Completion;
            Assert.Equal(0x07, answer!.Type);
            Assert.Equal(2, answer.Body[2]); // source: service provider
        }

        [Fact]
        public async Task AcceptWhoseLengthIsOneByteShortIsMalformed()
        {
            await using var peer = new ScriptedPeer(async c =>
            {
                var rq = await c.ReadAsync();
                var body = AcceptBody(rq!);
                // Declare one byte less than the items take: the last item then runs past the PDU.
                await c.SendAsync(0x02, body, body.Length - 1);
                await c.DrainAsync();
            });
            var ex = await Assert.ThrowsAsync<DicomProtocolException>(() => OpenEcho(peer.Port).WaitAsync(Guard));
            Assert.Contains("malformed A-ASSOCIATE-AC", ex.Message);
            Assert.Contains("remain in the PDU", ex.Message);
        }

        [Fact]
        public async Task MaximumPduLengthTooSmallToCarryDataIsRefused()
        {
            await using var peer = new ScriptedPeer(async c =>
            {
                var rq = await c.ReadAsync();
                await c.SendAsync(0x02, AcceptBody(rq!, maxPduLength: 6));
                await c.DrainAsync();
            });
            var ex = await Assert.ThrowsAsync<DicomProtocolException>(() => OpenEcho(peer.Port).WaitAsync(Guard));
            Assert.Contains("maximum PDU length of 6 bytes", ex.Message);
        }

        [Fact]
        public async Task HugeDeclaredPduLengthIsRefusedWithoutAllocatingIt()
        {
            await using var peer = new ScriptedPeer(async c =>
            {
                var rq = await c.ReadAsync();
                await c.SendAsync(0x02, AcceptBody(rq!));
                await c.ReadAsync(); // C-ECHO-RQ
                await c.WriteAsync(Frame(0x04, new byte[16], int.MaxValue));
                await c.DrainAsync();
            });
            using var association = await OpenEcho(peer.Port).WaitAsync(Guard);
            var ex = await Assert.ThrowsAsync<DicomProtocolException>(() => association.EchoAsync(default).WaitAsync(Guard));
            Assert.Contains("2147483647 bytes", ex.Message);
            Assert.False(association.IsOpen);
        }

        [Fact]
        public async Task ResponseReassembledFromOneByteFragmentsAndSeveralPdvsPerPdu()
        {
            await using var peer = new ScriptedPeer(async c =>
            {
                var rq = await c.ReadAsync();
                await c.SendAsync(0x02, AcceptBody(rq!, implementationUid: "1.2.3.999"));
                var msg = await c.ReadMessageAsync(expectData: false);
                var id = Element(msg!.Value.Command, 0x0110)!;
                var rsp = Command((0x0002, UI("1.2.840.10008.1.1")), (0x0100, US(0x8030)), (0x0120, id), (0x0800, US(0x0101)), (0x0900, US(0)));
                // First half one byte per PDU, second half as many PDVs in a single PDU.
                var half = rsp.Length / 2;
                for (var i = 0; i < half; i++) await c.WriteAsync(PData(msg.Value.Context, true, false, new[] { rsp[i] }));
                var pdvs = Enumerable.Range(half, rsp.Length - half)
                    .SelectMany(i => PData(msg.Value.Context, true, i == rsp.Length - 1, new[] { rsp[i] }).Skip(6)).ToArray();
                await c.SendAsync(0x04, pdvs);
                var release = await c.ReadAsync();
                Assert.Equal(0x05, release!.Type);
                await c.SendAsync(0x06, new byte[4]);
                await c.DrainAsync();
            });
            using var association = await OpenEcho(peer.Port).WaitAsync(Guard);
            Assert.Equal("1.2.3.999", association.Peer.ImplementationClassUid);
            var echo = await association.EchoAsync(default).WaitAsync(Guard);
            Assert.True(echo.IsSuccess);
            await association.ReleaseAsync(default).WaitAsync(Guard);
            Assert.False(association.IsOpen);
            await peer.Completion;
        }

        [Fact]
        public async Task DataSetIsFragmentedToThePeersMaximumAndArrivesIntact()
        {
            using var temp = new TempFolder();
            var pixels = Enumerable.Range(0, 64 * 64 * 2).Select(i => (byte)(i * 31)).ToArray();
            var path = DicomTestFiles.Write(temp, "big.dcm", DicomTestFiles.Image(pixels: pixels, rows: 64, columns: 64), DicomTestFiles.ExplicitLE);
            var source = DicomStoreSource.FromFile(path);
            byte[]? received = null;
            var largest = 0;
            await using var peer = new ScriptedPeer(async c =>
            {
                var rq = await c.ReadAsync();
                await c.SendAsync(0x02, AcceptBody(rq!, maxPduLength: 4100));
                var msg = await c.ReadMessageAsync(expectData: true);
                received = msg!.Value.Data;
                largest = msg.Value.LargestPdu;
                var rsp = Command((0x0002, UI(source.SopClassUid)), (0x0100, US(0x8001)), (0x0120, Element(msg.Value.Command, 0x0110)!), (0x0800, US(0x0101)), (0x0900, US(0xB000)), (0x0902, UI("coerced PatientName")));
                await c.WriteAsync(PData(msg.Value.Context, true, true, rsp));
                await c.DrainAsync();
            });
            var contexts = DicomPresentationContext.ForFiles(new[] { (source.SopClassUid, source.TransferSyntaxUid) });
            using var association = await DicomAssociation.OpenAsync(Options(peer.Port), contexts, default).WaitAsync(Guard);
            var result = await association.StoreAsync(source, default).WaitAsync(Guard);
            Assert.Equal(DicomStoreOutcome.StoredWithWarning, result.Outcome);
            Assert.True(result.IsStored);
            Assert.Equal("coerced PatientName", result.ErrorComment);
            Assert.Contains("B000", result.Message);
            Assert.False(result.Transcoded);
            Assert.InRange(largest, 4000, 4100);
            var file = File.ReadAllBytes(path);
            Assert.Equal(file.AsSpan(file.Length - received!.Length).ToArray(), received);
        }

        [Fact]
        public async Task PeerAbortingMidTransferEndsTheStoreWithItsReason()
        {
            using var temp = new TempFolder();
            var pixels = new byte[256 * 256 * 2];
            var path = DicomTestFiles.Write(temp, "big.dcm", DicomTestFiles.Image(pixels: pixels, rows: 256, columns: 256), DicomTestFiles.ExplicitLE);
            await using var peer = new ScriptedPeer(async c =>
            {
                var rq = await c.ReadAsync();
                await c.SendAsync(0x02, AcceptBody(rq!, maxPduLength: 16384));
                await c.ReadAsync(); // the command
                await c.ReadAsync(); // the first data fragment
                await c.SendAsync(0x07, new byte[] { 0, 0, 2, 6 });
                await c.DrainAsync();
            });
            var source = DicomStoreSource.FromFile(path);
            var contexts = DicomPresentationContext.ForFiles(new[] { (source.SopClassUid, source.TransferSyntaxUid) });
            using var association = await DicomAssociation.OpenAsync(Options(peer.Port), contexts, default).WaitAsync(Guard);
            var ex = await Assert.ThrowsAsync<DicomAssociationAbortedException>(() => association.StoreAsync(source, default).WaitAsync(Guard));
            Assert.True(ex.ByPeer);
            Assert.Contains("invalid PDU parameter value", ex.Message);
            Assert.False(association.IsOpen);
        }

        /// <summary>Blocking I/O (what Send-DicomFile's workers use): a silent peer still times out on the injected clock, with an abort.</summary>
        [Fact]
        public async Task BlockingIoNeverAnsweringPeerStillTimesOutAndGetsAnAbort()
        {
            var time = new ManualClock();
            var commandRead = new TaskCompletionSource();
            Pdu? afterTimeout = null;
            await using var peer = new ScriptedPeer(async c =>
            {
                var rq = await c.ReadAsync();
                await c.SendAsync(0x02, AcceptBody(rq!));
                await c.ReadAsync();                  // C-ECHO-RQ
                commandRead.SetResult();
                afterTimeout = await c.ReadAsync();   // silence, until the client gives up
                await c.DrainAsync();
            });
            var options = Options(peer.Port, time);
            options.BlockingIo = true;
            options.ReadTimeout = TimeSpan.FromSeconds(45);
            // Blocking: the calls return completed tasks, so they run on a thread of the test's own.
            var echo = Task.Run(async () =>
            {
                using var association = await DicomAssociation.OpenAsync(options, new[] { DicomPresentationContext.Verification() }, default);
                await association.EchoAsync(default);
            });
            await commandRead.Task.WaitAsync(Guard);
            await time.NextWaitAsync(d => d == TimeSpan.FromSeconds(45));
            time.Advance(TimeSpan.FromSeconds(44));
            Assert.False(echo.IsCompleted);
            time.Advance(TimeSpan.FromSeconds(2));
            var ex = await Assert.ThrowsAsync<DicomNetworkTimeoutException>(() => echo.WaitAsync(Guard));
            Assert.Contains("C-ECHO-RSP", ex.Message);
            await peer.Completion;
            Assert.Equal(0x07, afterTimeout!.Type);
        }

        /// <summary>
        /// Ctrl+C (the token) while waiting for an answer ends the exchange at once, with an A-ABORT: asynchronous I/O, and
        /// blocking I/O (what Send-DicomFile's workers use), where closing the socket is what ends the blocked read.
        /// </summary>
        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task CancellationWhileWaitingSendsAbortAndThrowsCancelled(bool blockingIo)
        {
            var echoRead = new TaskCompletionSource();
            Pdu? afterCancel = null;
            await using var peer = new ScriptedPeer(async c =>
            {
                var rq = await c.ReadAsync();
                await c.SendAsync(0x02, AcceptBody(rq!));
                await c.ReadAsync();
                echoRead.SetResult();
                afterCancel = await c.ReadAsync();
                await c.DrainAsync();
            });
            var options = Options(peer.Port);
            options.BlockingIo = blockingIo;
            using var cts = new CancellationTokenSource();
            DicomAssociation? association = null;
            var echo = Task.Run(async () =>
            {
                association = await DicomAssociation.OpenAsync(options, new[] { DicomPresentationContext.Verification() }, default);
                await association.EchoAsync(cts.Token);
            });
            await echoRead.Task.WaitAsync(Guard);
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => echo.WaitAsync(Guard));
            await peer.Completion;
            Assert.Equal(0x07, afterCancel!.Type);
            Assert.Equal(0, afterCancel.Body[2]); // source: service user (us)
            Assert.False(association!.IsOpen);
            association.Dispose();
        }

        /// <summary>Blocking I/O stores as the asynchronous path does, from the handle the header was read from.</summary>
        [Fact]
        public async Task BlockingIoStoresFromTheKeptHandleAndEveryTaskComesBackComplete()
        {
            using var temp = new TempFolder();
            var pixels = Enumerable.Range(0, 64 * 64 * 2).Select(i => (byte)(i * 29)).ToArray();
            var path = DicomTestFiles.Write(temp, "big.dcm", DicomTestFiles.Image(pixels: pixels, rows: 64, columns: 64), DicomTestFiles.ExplicitLE);
            byte[]? received = null;
            await using var peer = new ScriptedPeer(async c =>
            {
                var rq = await c.ReadAsync();
                await c.SendAsync(0x02, AcceptBody(rq!, maxPduLength: 4100));
                var msg = await c.ReadMessageAsync(expectData: true);
                received = msg!.Value.Data;
                var rsp = Command((0x0002, UI(DicomTestFiles.SecondaryCapture)), (0x0100, US(0x8001)), (0x0120, Element(msg.Value.Command, 0x0110)!), (0x0800, US(0x0101)), (0x0900, US(0x0000)));
                await c.WriteAsync(PData(msg.Value.Context, true, true, rsp));
                await c.DrainAsync();
            });
            var options = Options(peer.Port);
            options.BlockingIo = true;
            var result = await Task.Run(() =>
            {
                using var source = DicomStoreSource.Open(path);
                var contexts = DicomPresentationContext.ForFiles(new[] { (source.SopClassUid, source.TransferSyntaxUid) });
                var open = DicomAssociation.OpenAsync(options, contexts, default);
                Assert.True(open.IsCompleted);
                using var association = open.GetAwaiter().GetResult();
                var store = association.StoreAsync(source, default);
                Assert.True(store.IsCompleted);
                return store.GetAwaiter().GetResult();
            }).WaitAsync(Guard);
            Assert.Equal(DicomStoreOutcome.Stored, result.Outcome);
            var file = File.ReadAllBytes(path);
            Assert.Equal(file.AsSpan(file.Length - received!.Length).ToArray(), received);
        }

        [Fact]
        public async Task ConnectionRefusedIsATransientConnectionError()
        {
            int port;
            using (var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0)) { l.Start(); port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port; l.Stop(); }
            var ex = await Assert.ThrowsAsync<DicomNetworkException>(() => OpenEcho(port).WaitAsync(Guard));
            Assert.Equal(DicomNetworkFailure.Connection, ex.Failure);
            Assert.True(ex.IsTransient);
            Assert.Contains("refused", ex.Message);
        }
    }
}
