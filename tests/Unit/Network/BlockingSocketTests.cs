using System;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Dicom.Network;
using DicomTools.Tests.Unit.Support;
using Xunit;
using static DicomTools.Tests.Unit.Network.PeerConnection;

namespace DicomTools.Tests.Unit.Network
{
    /// <summary>
    /// Blocking I/O (Send-DicomFile's workers) must block in the kernel. A socket that .NET turned non-blocking (any
    /// asynchronous call on it does, for good, on Unix) emulates each synchronous wait through its epoll thread and a
    /// spinning event: measured, about 90 sched_yield calls and a thread-pool item per file, CPU the peer needs.
    /// </summary>
    public class BlockingSocketTests
    {
        private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);
        private const int F_GETFL = 3;
        private const int O_NONBLOCK = 0x800; // Linux

        [DllImport("libc", SetLastError = true)]
        private static extern int fcntl(IntPtr fd, int cmd);

        private static DicomAssociationOptions Options(int port, bool blockingIo, TimeProvider? time = null)
        {
            var options = new DicomAssociationOptions("127.0.0.1", port, "SCRIPTED") { TimeProvider = time ?? TimeProvider.System }.WithTimeout(TimeSpan.FromSeconds(30));
            options.BlockingIo = blockingIo;
            return options;
        }

        /// <summary>
        /// A listener with backlog 0 whose one queued connection is never accepted: the kernel drops every later SYN, so a
        /// connect to <see cref="Port"/> neither succeeds nor fails until something ends it.
        /// </summary>
        private sealed class FullAcceptQueue : IDisposable
        {
            private readonly Socket _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            private readonly Socket _filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            public int Port { get; private set; }

            public static async Task<FullAcceptQueue> OpenAsync()
            {
                var queue = new FullAcceptQueue();
                try
                {
                    queue._listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                    queue._listener.Listen(0);
                    queue.Port = ((IPEndPoint)queue._listener.LocalEndPoint!).Port;
                    await queue._filler.ConnectAsync(IPAddress.Loopback, queue.Port).WaitAsync(Guard);
                    return queue;
                }
                catch
                {
                    queue.Dispose();
                    throw;
                }
            }

            public void Dispose()
            {
                _filler.Dispose();
                _listener.Dispose();
            }
        }

        [Theory]
        [InlineData(true, false)]
        [InlineData(false, true)] // the asynchronous path: the contrast that shows the check can see the flag
        public async Task TheSocketIsNonBlockingInTheKernelOnlyForAsynchronousIo(bool blockingIo, bool expectNonBlocking)
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return; // the flag's value is Linux's
            await using var peer = new ScriptedPeer(async c =>
            {
                var rq = await c.ReadAsync();
                await c.SendAsync(0x02, AcceptBody(rq!));
                await c.DrainAsync();
            });
            var options = Options(peer.Port, blockingIo);
            var flags = await Task.Run(async () =>
            {
                using var association = await DicomAssociation.OpenAsync(options, new[] { DicomPresentationContext.Verification() }, default);
                return fcntl(association.Channel.SocketHandle, F_GETFL);
            }).WaitAsync(Guard);
            Assert.True(flags >= 0, "fcntl failed: " + Marshal.GetLastWin32Error());
            Assert.Equal(expectNonBlocking, (flags & O_NONBLOCK) != 0);
        }

        /// <summary>The synchronous connect still ends on the injected clock: the watchdog closes the socket under it.</summary>
        [Fact]
        public async Task BlockingConnectToAListenerThatNeverAnswersTimesOut()
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return; // relies on Linux dropping SYNs to a full accept queue
            using var queue = await FullAcceptQueue.OpenAsync();

            var time = new ManualClock();
            var options = Options(queue.Port, blockingIo: true, time);
            options.ConnectTimeout = TimeSpan.FromSeconds(7);
            var open = Task.Run(() => DicomAssociation.OpenAsync(options, new[] { DicomPresentationContext.Verification() }, default));
            await time.NextWaitAsync(d => d == TimeSpan.FromSeconds(7));
            time.Advance(TimeSpan.FromSeconds(8));
            var ex = await Assert.ThrowsAsync<DicomNetworkTimeoutException>(() => open.WaitAsync(Guard));
            Assert.True(ex.BeforeConnected);
        }

        /// <summary>Ctrl+C during a synchronous connect ends it too.</summary>
        [Fact]
        public async Task CancellingABlockingConnectEndsIt()
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return;
            using var queue = await FullAcceptQueue.OpenAsync();

            var time = new ManualClock();
            var options = Options(queue.Port, blockingIo: true, time);
            options.ConnectTimeout = TimeSpan.FromSeconds(7);
            using var cts = new CancellationTokenSource();
            var open = Task.Run(() => DicomAssociation.OpenAsync(options, new[] { DicomPresentationContext.Verification() }, cts.Token));
            await time.NextWaitAsync(d => d == TimeSpan.FromSeconds(7)); // the connect is under way
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => open.WaitAsync(Guard));
        }
    }
}
