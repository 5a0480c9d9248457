using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace DicomTools.Dicom.Network
{
    /// <summary>
    /// Cuts one command or data set into P-DATA-TF PDUs of at most the peer's maximum length, one PDV each, built in
    /// place (PDU header, PDV header, then the data read straight into it). The last fragment is held back until the
    /// message is complete, so the "last" bit is set without knowing the length in advance. Small PDUs (dcmtk and Orthanc
    /// announce 16 KiB) are framed side by side in one buffer of about 256 KiB and leave in one socket write: the cost per
    /// write, not per byte, is what limits a loopback or LAN transfer.
    /// </summary>
    internal sealed class PDataWriter : Stream
    {
        private const int Headers = 12; // PDU header (6) + PDV item length (4) + context id + message control header
        private const int CoalesceBytes = 256 * 1024;
        private readonly PduChannel _channel;
        private readonly byte[] _buffer;
        private readonly int _capacity;
        private readonly TimeSpan _timeout;
        private CancellationToken _cancellationToken;
        private byte _contextId;
        private bool _command;
        private int _count;      // data bytes in the current frame
        private int _frameStart; // where the current frame starts in _buffer; the frames before it are complete
        private readonly int _frameSize;
        private string _what = string.Empty;

        /// <summary>One writer per association; <paramref name="maxPduLength"/> is the peer's maximum length of a P-DATA-TF's variable field.</summary>
        public PDataWriter(PduChannel channel, uint maxPduLength, TimeSpan timeout)
        {
            _channel = channel;
            _capacity = (int)maxPduLength - 6;
            _frameSize = Headers + _capacity;
            _buffer = new byte[_frameSize * Math.Max(1, CoalesceBytes / _frameSize)];
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
            // After CompleteAsync(holdForNext: true) the previous message's PDUs wait in the buffer: append after them.
            if (!_holding) _frameStart = 0;
            _holding = false;
            MessageBytes = 0;
            _what = what;
        }

        /// <summary>Reads from the data set's source so far (tests count them: one per PDU before scatter reads).</summary>
        internal int SourceReads { get; private set; }

        /// <summary>Streams <paramref name="source"/> to its end, reading straight into the PDU buffer.</summary>
        public async Task CopyFromAsync(Stream source)
        {
#if NET
            if (source is FileStream file && file.CanSeek)
            {
                await CopyFromFileAsync(file).ConfigureAwait(false);
                return;
            }
#endif
            while (true)
            {
                if (_count == _capacity) await FlushAsync(last: false).ConfigureAwait(false);
                // A local file reads faster synchronously (an async read on Unix is a thread-pool hop per PDU).
                var n = source is FileStream
                    ? source.Read(_buffer, _frameStart + Headers + _count, _capacity - _count)
                    : await source.ReadAsync(_buffer, _frameStart + Headers + _count, _capacity - _count, _cancellationToken).ConfigureAwait(false);
                SourceReads++;
                if (n <= 0) return;
                _count += n;
                MessageBytes += n;
            }
        }

#if NET
        private readonly ScatterList _scatter = new ScatterList();

        /// <summary>
        /// A regular file is read with one scatter read (preadv) into the rest of the current frame and the data area of
        /// every later frame the buffer holds: one read per buffer (~256 KiB) instead of one per PDU (16 KiB with dcmtk
        /// and Orthanc, 32 reads per 0.5 MB file), and still no copy. The PDU and PDV headers keep their place between.
        /// </summary>
        private async Task CopyFromFileAsync(FileStream file)
        {
            var handle = file.SafeFileHandle;
            var position = file.Position;
            try
            {
                while (true)
                {
                    if (_count == _capacity) await FlushAsync(last: false).ConfigureAwait(false);
                    var n = (int)RandomAccess.Read(handle, ScatterTargets(), position);
                    SourceReads++;
                    if (n <= 0) return;
                    position += n;
                    MessageBytes += n;
                    Filled(n);
                }
            }
            finally
            {
                // The stream did not move under RandomAccess: leave it where a plain read would have.
                file.Position = position;
            }
        }

        /// <summary>The rest of the current frame, then the data area of every later frame that fits in the buffer.</summary>
        private IReadOnlyList<Memory<byte>> ScatterTargets()
        {
            var targets = _scatter.Reset(_buffer.Length / _frameSize);
            targets.Add(new Memory<byte>(_buffer, _frameStart + Headers + _count, _capacity - _count));
            for (var f = _frameStart + _frameSize; f + _frameSize <= _buffer.Length; f += _frameSize)
                targets.Add(new Memory<byte>(_buffer, f + Headers, _capacity));
            return targets;
        }

        /// <summary>
        /// <paramref name="n"/> bytes landed from the current frame on: every frame they filled is closed (none is sent,
        /// the targets all lie in the buffer); a frame filled exactly stays open, as after a plain read, so that the
        /// message's last fragment is still held back.
        /// </summary>
        private void Filled(int n)
        {
            while (n > _capacity - _count)
            {
                n -= _capacity - _count;
                _count = _capacity;
                if (Frame(last: false) != 0) throw new InvalidOperationException("A scatter read ran past the PDU buffer.");
            }
            _count += n;
        }

        /// <summary>The scatter read's targets, reused from read to read.</summary>
        private sealed class ScatterList : IReadOnlyList<Memory<byte>>
        {
            private Memory<byte>[] _items = Array.Empty<Memory<byte>>();
            public int Count { get; private set; }
            public Memory<byte> this[int index] => index < Count ? _items[index] : throw new ArgumentOutOfRangeException(nameof(index));
            public ScatterList Reset(int capacity)
            {
                if (_items.Length < capacity) _items = new Memory<byte>[capacity];
                Count = 0;
                return this;
            }
            public void Add(Memory<byte> item) => _items[Count++] = item;
            public IEnumerator<Memory<byte>> GetEnumerator()
            {
                for (var i = 0; i < Count; i++) yield return _items[i];
            }
            System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
        }
#endif

        public async Task WriteAllAsync(byte[] data)
        {
            var offset = 0;
            while (offset < data.Length)
            {
                if (_count == _capacity) await FlushAsync(last: false).ConfigureAwait(false);
                var n = Math.Min(_capacity - _count, data.Length - offset);
                Buffer.BlockCopy(data, offset, _buffer, _frameStart + Headers + _count, n);
                _count += n; offset += n; MessageBytes += n;
            }
        }

        /// <summary>
        /// Ends the message. With <paramref name="holdForNext"/> its last PDU stays in the buffer and leaves with the next
        /// message's first PDUs: a C-STORE-RQ command (~200 bytes) then goes out with its data set in one write, not as a
        /// lone small segment (TCP_NODELAY) that wakes the peer once more per file. Only for a message that is followed
        /// at once by another (the data set), or the held PDUs would wait.
        /// </summary>
        public Task CompleteAsync(bool holdForNext = false) => FlushAsync(last: true, holdForNext);

        /// <summary>Socket writes so far (tests count them).</summary>
        internal int Writes { get; private set; }

        public void Complete() => Flush(last: true);

        public override void Write(byte[] buffer, int offset, int count)
        {
            while (count > 0)
            {
                if (_count == _capacity) Flush(last: false);
                var n = Math.Min(_capacity - _count, count);
                Buffer.BlockCopy(buffer, offset, _buffer, _frameStart + Headers + _count, n);
                _count += n; offset += n; count -= n; MessageBytes += n;
            }
        }

        /// <summary>Closes the current frame; returns how many bytes of the buffer are ready to send (0 = room for another frame).</summary>
        private int Frame(bool last, bool hold = false)
        {
            var f = _frameStart;
            _buffer[f] = PduType.DataTransfer;
            _buffer[f + 1] = 0;
            PduCodec.PutBig32(_buffer, f + 2, (uint)(6 + _count));
            PduCodec.PutBig32(_buffer, f + 6, (uint)(2 + _count));
            _buffer[f + 10] = _contextId;
            _buffer[f + 11] = (byte)((_command ? 1 : 0) | (last ? 2 : 0));
            var end = f + Headers + _count;
            _count = 0;
            if ((!last || hold) && end + _frameSize <= _buffer.Length)
            {
                _frameStart = end;
                _holding = last;
                return 0;
            }
            _frameStart = 0;
            return end;
        }

        private bool _holding; // a complete message waits in the buffer for the next one (CompleteAsync(holdForNext: true))

        private Task FlushAsync(bool last, bool hold = false)
        {
            var ready = Frame(last, hold);
            if (ready == 0) return Task.CompletedTask;
            Writes++;
            return _channel.WriteAsync(_buffer, 0, ready, _what, _timeout, _cancellationToken);
        }

        private void Flush(bool last)
        {
            var ready = Frame(last);
            if (ready == 0) return;
            Writes++;
            _channel.Write(_buffer, 0, ready, _what, _timeout, _cancellationToken);
        }

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
