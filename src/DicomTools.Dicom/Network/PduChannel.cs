using System;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace DicomTools.Dicom.Network
{
    /// <summary>
    /// The TCP side of an association: whole PDUs in and out, each I/O guarded by one re-armed timer (ARTIM, read and
    /// write timeouts) and by the caller's token. When either fires, the channel sends A-ABORT if no PDU is half-written
    /// (a PDU cannot be interleaved) and closes the socket, which ends the pending I/O on every runtime (.NET Framework
    /// ignores tokens on socket reads). A channel that was interrupted, or failed, stays closed.
    /// </summary>
    internal sealed class PduChannel : IDisposable
    {
        private readonly Socket _socket;
        private NetworkStream _stream = null!; // created once connected
        private readonly TimeProvider _time;
        private readonly ITimer _watchdog;
        private readonly object _gate = new object();
        private readonly int _maxIncomingPdu;
        private readonly byte[] _header = new byte[6];
        private byte[] _body;
        private readonly bool _blocking;
        private bool _writing, _closed, _timedOut, _cancelled;

        private PduChannel(Socket socket, TimeProvider time, int maxIncomingPdu, bool blocking)
        {
            _socket = socket;
            _blocking = blocking;
            _time = time;
            _maxIncomingPdu = maxIncomingPdu;
            _body = new byte[Math.Min(maxIncomingPdu, 64 * 1024)];
            _watchdog = time.CreateTimer(s => ((PduChannel)s!).Interrupt(timedOut: true), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        public bool IsClosed { get { lock (_gate) return _closed; } }

        /// <summary>For tests: the socket's descriptor, to ask the OS whether it blocks.</summary>
        internal IntPtr SocketHandle => _socket.Handle;

        /// <summary>
        /// Connects. <paramref name="blocking"/>: every I/O runs synchronously on the calling thread and the returned tasks
        /// are already complete (see <see cref="DicomAssociationOptions.BlockingIo"/>); the watchdog and cancellation still
        /// end a stuck I/O by closing the socket, as they do for the transcoder's synchronous writes.
        /// </summary>
        public static async Task<PduChannel> ConnectAsync(string host, int port, TimeProvider time, TimeSpan timeout, int maxIncomingPdu, CancellationToken cancellationToken, bool blocking = false)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            var channel = new PduChannel(socket, time, maxIncomingPdu, blocking);
            try
            {
                await channel.GuardAsync(async () =>
                    {
                        // Blocking: a synchronous connect, never ConnectAsync. On Unix one asynchronous operation turns the
                        // socket non-blocking for good, and every synchronous read or write that would wait then goes
                        // through .NET's epoll thread and a spinning event (sched_yield, an extra wake-up): measured, 90
                        // sched_yield calls per file, CPU that the peer on the same cores needed. A closed socket (timeout,
                        // cancellation) fails the pending connect either way.
                        if (blocking) socket.Connect(host, port);
                        else await socket.ConnectAsync(host, port).ConfigureAwait(false);
                        channel._stream = new NetworkStream(socket, false);
                        return 0;
                    },
                    "connecting to " + host + ":" + port, timeout, connecting: true, cancellationToken).ConfigureAwait(false);
                return channel;
            }
            catch
            {
                channel.Dispose();
                throw;
            }
        }

        /// <summary>Reads one PDU; the body stays valid until the next read.</summary>
        public async Task<ReceivedPdu> ReadAsync(string waitingFor, TimeSpan timeout, CancellationToken cancellationToken)
        {
            // Guarded inline rather than through a lambda: a few I/Os per file, each paid a closure, a delegate and two
            // state machines.
            using (Arm(waitingFor, timeout, cancellationToken))
            {
                try
                {
                    if (_blocking) ReadExact(_header, 6);
                    else await ReadExactAsync(_header, 6).ConfigureAwait(false);
                    var length = PduCodec.GetBig32(_header, 2);
                    var limit = _header[0] == PduType.DataTransfer ? _maxIncomingPdu : Math.Max(_maxIncomingPdu, 1024 * 1024);
                    if (length > limit)
                        throw new DicomProtocolException("The peer sent a " + PduType.Name(_header[0]) + " of " + length + " bytes, more than the " + limit + " we accept"
                            + (_header[0] == PduType.DataTransfer ? " (the maximum PDU length we announced)" : string.Empty) + "; the association was aborted.");
                    if (_body.Length < length) _body = new byte[Math.Max(length, Math.Min((long)_body.Length * 2, limit))];
                    if (_blocking) ReadExact(_body, (int)length);
                    else await ReadExactAsync(_body, (int)length).ConfigureAwait(false);
                    return new ReceivedPdu(_header[0], _body, (int)length);
                }
                catch (Exception ex) when (IsIoFailure(ex)) { throw Translate(ex, waitingFor, timeout, cancellationToken); }
                finally { Disarm(); }
            }
        }

        public async Task WriteAsync(byte[] buffer, int offset, int count, string what, TimeSpan timeout, CancellationToken cancellationToken)
        {
            using (Arm(what, timeout, cancellationToken))
            {
                try
                {
                    BeginWrite();
                    // No token: cancellation closes the socket (Arm), which ends the write on .NET Framework too.
                    try
                    {
                        if (_blocking) _stream.Write(buffer, offset, count);
                        else await _stream.WriteAsync(buffer, offset, count, CancellationToken.None).ConfigureAwait(false);
                    }
                    finally { EndWrite(); }
                }
                catch (Exception ex) when (IsIoFailure(ex)) { throw Translate(ex, what, timeout, cancellationToken); }
                finally { Disarm(); }
            }
        }

        /// <summary>Synchronous write for the transcoder, which produces bytes from the codec's synchronous reader.</summary>
        public void Write(byte[] buffer, int offset, int count, string what, TimeSpan timeout, CancellationToken cancellationToken)
        {
            using (Arm(what, timeout, cancellationToken))
            {
                try
                {
                    BeginWrite();
                    try { _stream.Write(buffer, offset, count); }
                    finally { EndWrite(); }
                }
                catch (Exception ex) when (IsIoFailure(ex)) { throw Translate(ex, what, timeout, cancellationToken); }
                finally { Disarm(); }
            }
        }

        /// <summary>Sends A-ABORT (when the stream is between PDUs) and closes. Safe to call at any time, more than once.</summary>
        public void Abort(byte source, byte reason)
        {
            lock (_gate)
            {
                if (_closed) return;
                _closed = true;
                if (!_writing) TrySend(PduCodec.Abort(source, reason));
            }
            CloseSocket();
        }

        /// <summary>Closes without a word (after A-RELEASE-RP, A-ASSOCIATE-RJ or a peer's A-ABORT).</summary>
        public void Close()
        {
            lock (_gate) _closed = true;
            CloseSocket();
        }

        private static readonly Action<object?> Cancelled = s => ((PduChannel)s!).Interrupt(timedOut: false);

        /// <summary>Before one I/O: cancellation closes the channel, a closed channel refuses, the watchdog starts.</summary>
        private CancellationTokenRegistration Arm(string what, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var registration = cancellationToken.Register(Cancelled, this);
            try
            {
                ThrowIfClosed(what, timeout, cancellationToken);
                _watchdog.Change(timeout, Timeout.InfiniteTimeSpan);
                return registration;
            }
            catch
            {
                registration.Dispose();
                throw;
            }
        }

        private void Disarm() => _watchdog.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        private async Task<T> GuardAsync<T>(Func<Task<T>> io, string what, TimeSpan timeout, bool connecting, CancellationToken cancellationToken)
        {
            using (cancellationToken.Register(s => ((PduChannel)s!).Interrupt(timedOut: false), this))
            {
                ThrowIfClosed(what, timeout, cancellationToken);
                _watchdog.Change(timeout, Timeout.InfiniteTimeSpan);
                try
                {
                    return await io().ConfigureAwait(false);
                }
                catch (Exception ex) when (IsIoFailure(ex))
                {
                    throw Translate(ex, what, timeout, cancellationToken, connecting);
                }
                finally
                {
                    _watchdog.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                }
            }
        }

        private void ThrowIfClosed(string what, TimeSpan timeout, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            lock (_gate)
            {
                if (!_closed) return;
                if (_timedOut) throw new DicomNetworkTimeoutException(what, timeout);
            }
            throw new DicomNetworkException(DicomNetworkFailure.Connection, "The association is closed; cannot continue " + what + ".", true);
        }

        private static bool IsIoFailure(Exception ex) =>
            ex is IOException || ex is SocketException || ex is ObjectDisposedException || ex is OperationCanceledException || ex is InvalidOperationException;

        private Exception Translate(Exception ex, string what, TimeSpan timeout, CancellationToken cancellationToken, bool connecting = false)
        {
            bool timedOut, cancelled;
            lock (_gate) { timedOut = _timedOut; cancelled = _cancelled; }
            if (timedOut) return new DicomNetworkTimeoutException(what, timeout) { BeforeConnected = connecting };
            if (cancelled || cancellationToken.IsCancellationRequested) return new OperationCanceledException("Cancelled while " + what + "; the association was aborted.", ex, cancellationToken);
            Abort(2, 0);
            var socketError = (ex as SocketException ?? ex.InnerException as SocketException)?.SocketErrorCode;
            var reason = socketError switch
            {
                SocketError.ConnectionRefused => "the connection was refused (nothing listens on that port, or a firewall refuses it)",
                SocketError.ConnectionReset => "the peer reset the connection",
                SocketError.HostNotFound => "the host name could not be resolved",
                SocketError.NetworkUnreachable => "the network is unreachable",
                SocketError.HostUnreachable => "the host is unreachable",
                _ => ex is EndOfStreamException ? "the peer closed the connection" : ex.Message.TrimEnd('.'),
            };
            return new DicomNetworkException(DicomNetworkFailure.Connection, (connecting ? "Could not connect: " : "The connection was lost while " + what + ": ") + reason + (connecting ? " (while " + what + ")." : "."), true, ex)
            { BeforeConnected = connecting };
        }

        private void Interrupt(bool timedOut)
        {
            lock (_gate)
            {
                if (_closed) return;
                if (timedOut) _timedOut = true; else _cancelled = true;
                _closed = true;
                // Source 0 (service user): we chose to stop. Only between PDUs, or the peer would read our abort as data.
                if (!_writing && _socket.Connected) TrySend(PduCodec.Abort(0, 0));
            }
            CloseSocket();
        }

        private void TrySend(byte[] pdu)
        {
            try
            {
                _socket.SendTimeout = 1000;
                _socket.Send(pdu);
            }
            catch (SocketException) { }
            catch (ObjectDisposedException) { }
        }

        private void BeginWrite()
        {
            lock (_gate)
            {
                if (_closed) throw new ObjectDisposedException(nameof(PduChannel));
                _writing = true;
            }
        }

        private void EndWrite() { lock (_gate) _writing = false; }

        private void ReadExact(byte[] buffer, int count)
        {
            var read = 0;
            while (read < count)
            {
                var n = _stream.Read(buffer, read, count - read);
                if (n <= 0) throw new EndOfStreamException();
                read += n;
            }
        }

        private async Task ReadExactAsync(byte[] buffer, int count)
        {
            var read = 0;
            while (read < count)
            {
                var n = await _stream.ReadAsync(buffer, read, count - read).ConfigureAwait(false);
                if (n <= 0) throw new EndOfStreamException();
                read += n;
            }
        }

        private void CloseSocket()
        {
            try { _socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
            _socket.Dispose();
        }

        public void Dispose()
        {
            Close();
            _watchdog.Dispose();
            _stream?.Dispose();
        }
    }

    /// <summary>One PDU as read: type and body (valid until the channel's next read).</summary>
    internal readonly struct ReceivedPdu
    {
        public ReceivedPdu(byte type, byte[] body, int length) { Type = type; Body = body; Length = length; }
        public byte Type { get; }
        public byte[] Body { get; }
        public int Length { get; }
    }
}
