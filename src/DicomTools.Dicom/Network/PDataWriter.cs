using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace DicomTools.Dicom.Network
{
    /// <summary>
    /// Cuts one command or data set into P-DATA-TF PDUs of at most the peer's maximum length, one PDV each, built in
    /// place in one buffer (PDU header, PDV header, then the data read straight into it). The last fragment is held back
    /// until the message is complete, so the "last" bit is set without knowing the length in advance.
    /// </summary>
    internal sealed class PDataWriter : Stream
    {
        private const int Headers = 12; // PDU header (6) + PDV item length (4) + context id + message control header
        private readonly PduChannel _channel;
        private readonly byte[] _buffer;
        private readonly int _capacity;
        private readonly TimeSpan _timeout;
        private CancellationToken _cancellationToken;
        private byte _contextId;
        private bool _command;
        private int _count;
        private string _what = string.Empty;

        /// <summary>One writer per association; <paramref name="maxPduLength"/> is the peer's maximum length of a P-DATA-TF's variable field.</summary>
        public PDataWriter(PduChannel channel, uint maxPduLength, TimeSpan timeout)
        {
            _channel = channel;
            _capacity = (int)maxPduLength - 6;
            _buffer = new byte[Headers + _capacity];
            _timeout = timeout;
        }

        /// <summary>Bytes of data sent (or queued) for the current message.</summary>
        public long MessageBytes { get; private set; }

        /// <summary>Starts a command or data set message; the token covers its synchronous writes too.</summary>
        public void Begin(byte contextId, bool command, string what, CancellationToken cancellationToken)
        {
            _cancellationToken = cancellationToken;
            _contextId = contextId;
            _command = command;
            _count = 0;
            MessageBytes = 0;
            _what = what;
        }

        /// <summary>Streams <paramref name="source"/> to its end, reading straight into the PDU buffer.</summary>
        public async Task CopyFromAsync(Stream source)
        {
            while (true)
            {
                if (_count == _capacity) await FlushAsync(last: false).ConfigureAwait(false);
                var n = await source.ReadAsync(_buffer, Headers + _count, _capacity - _count, _cancellationToken).ConfigureAwait(false);
                if (n <= 0) return;
                _count += n;
                MessageBytes += n;
            }
        }

        public async Task WriteAllAsync(byte[] data)
        {
            var offset = 0;
            while (offset < data.Length)
            {
                if (_count == _capacity) await FlushAsync(last: false).ConfigureAwait(false);
                var n = Math.Min(_capacity - _count, data.Length - offset);
                Buffer.BlockCopy(data, offset, _buffer, Headers + _count, n);
                _count += n; offset += n; MessageBytes += n;
            }
        }

        public Task CompleteAsync() => FlushAsync(last: true);

        public void Complete() => Flush(last: true);

        public override void Write(byte[] buffer, int offset, int count)
        {
            while (count > 0)
            {
                if (_count == _capacity) Flush(last: false);
                var n = Math.Min(_capacity - _count, count);
                Buffer.BlockCopy(buffer, offset, _buffer, Headers + _count, n);
                _count += n; offset += n; count -= n; MessageBytes += n;
            }
        }

        private int Frame(bool last)
        {
            _buffer[0] = PduType.DataTransfer;
            _buffer[1] = 0;
            PduCodec.PutBig32(_buffer, 2, (uint)(6 + _count));
            PduCodec.PutBig32(_buffer, 6, (uint)(2 + _count));
            _buffer[10] = _contextId;
            _buffer[11] = (byte)((_command ? 1 : 0) | (last ? 2 : 0));
            var length = Headers + _count;
            _count = 0;
            return length;
        }

        private Task FlushAsync(bool last) => _channel.WriteAsync(_buffer, 0, Frame(last), _what, _timeout, _cancellationToken);

        private void Flush(bool last) => _channel.Write(_buffer, 0, Frame(last), _what, _timeout, _cancellationToken);

        public override void Flush() { }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => MessageBytes; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
