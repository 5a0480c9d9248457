using System;
using System.Buffers;
using System.IO;

namespace DicomTools.Dicom
{
    /// <summary>
    /// A forward-only buffered reader over a (file or inflating) stream that knows its logical position, bounds every
    /// length it is given by what the stream can still hold, and reports damage with the byte offset and the path.
    /// </summary>
    internal sealed class DicomInput : IDisposable
    {
        internal const int BufferSize = 128 * 1024;
        private readonly Stream _stream;
        private readonly byte[] _buffer;
        private int _start, _end;
        private long _bufferBase; // logical offset of _buffer[0]
        private readonly long _length; // logical end, or -1 when unknown (inflating)
        private bool _ownsStream;

        public DicomInput(Stream stream, string? path, long logicalBase, long logicalLength, bool ownsStream = true, int bufferSize = BufferSize)
        {
            _stream = stream;
            Path = path;
            // Pooled: an edit of thousands of files would otherwise allocate a large-object-heap buffer per file.
            _buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
            _bufferBase = logicalBase;
            _length = logicalLength;
            _ownsStream = ownsStream;
        }

        /// <summary>
        /// An input over the raw deflate stream of a Deflated Explicit VR Little Endian dataset. A stream that stops
        /// before its final block inflates cleanly up to the cut, so the end of the data alone proves nothing: the
        /// compressed source is watched, and an inflater that runs out of compressed bytes is reported as truncated.
        /// </summary>
        public static DicomInput Inflating(Stream compressed, string? path, long logicalBase, bool leaveOpen, int bufferSize = BufferSize)
        {
            var source = new EndWatchingStream(compressed, leaveOpen);
            var inflater = new System.IO.Compression.DeflateStream(source, System.IO.Compression.CompressionMode.Decompress, false);
            return new DicomInput(inflater, path, logicalBase, -1, true, bufferSize) { _compressedSource = source };
        }

        private EndWatchingStream? _compressedSource;

        /// <summary>What <see cref="DicomParser.Open(string, out DicomFileHeader, int)"/> found before the dataset.</summary>
        public DicomFileHeader? Header { get; set; }

        /// <summary>fstat of the file when it was opened (Linux), to tell before a rename whether another program replaced it.</summary>
        public IO.FileIdentity? SourceIdentity { get; set; }

        /// <summary>The unread buffered bytes followed by the rest of the stream (the input must not be read afterwards).</summary>
        public Stream DetachRemaining()
        {
            var rest = new byte[_end - _start];
            Buffer.BlockCopy(_buffer, _start, rest, 0, rest.Length);
            _start = _end;
            return new ConcatenatedStream(new MemoryStream(rest, false), _stream);
        }

        /// <summary>From now on, disposing this input closes its stream.</summary>
        public void OwnStream() => _ownsStream = true;

        public string? Path { get; }
        public long Position => _bufferBase + _start;
        public long Length => _length;
        public bool LengthKnown => _length >= 0;
        public long Remaining => _length >= 0 ? _length - Position : long.MaxValue;

        public DicomFormatException Error(string message, long? offset = null, Exception? inner = null) =>
            new DicomFormatException(message + " at byte offset " + (offset ?? Position) + (Path != null ? " in '" + Path + "'" : string.Empty) + ".", offset ?? Position, Path, inner);

        /// <summary>Ensures <paramref name="count"/> bytes are buffered; false at the end of the stream.</summary>
        public bool Ensure(int count)
        {
            if (_end - _start >= count) return true;
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _bufferBase += _start;
                _end -= _start;
                _start = 0;
            }
            while (_end < count)
            {
                var n = ReadStream(_end, _buffer.Length - _end);
                if (n <= 0)
                {
                    if (_compressedSource != null && _compressedSource.ReachedEnd)
                        throw Error("The deflated data ends before the end of its deflate stream (truncated)");
                    return false;
                }
                _end += n;
            }
            return true;
        }

        private int ReadStream(int at, int count)
        {
            try { return _stream.Read(_buffer, at, count); }
            catch (InvalidDataException ex) { throw Error("The deflated data is damaged (" + ex.Message + ")", null, ex); }
        }

        public bool AtEnd => !Ensure(1);
        public int Buffered => _end - _start;
        public byte[] RawBuffer => _buffer;
        public int RawStart => _start;

        private static string Describe(string what, DicomTag? tag) => tag == null ? what : what + tag.Value;

        public void Require(int count, string what)
        {
            if (!Ensure(count)) throw Error("The file ends inside " + what + " (truncated)");
        }

        public ushort PeekUInt16(int at, bool bigEndian) =>
            bigEndian ? (ushort)((_buffer[_start + at] << 8) | _buffer[_start + at + 1]) : (ushort)(_buffer[_start + at] | (_buffer[_start + at + 1] << 8));

        public uint PeekUInt32(int at, bool bigEndian)
        {
            var i = _start + at;
            return bigEndian
                ? ((uint)_buffer[i] << 24) | ((uint)_buffer[i + 1] << 16) | ((uint)_buffer[i + 2] << 8) | _buffer[i + 3]
                : _buffer[i] | ((uint)_buffer[i + 1] << 8) | ((uint)_buffer[i + 2] << 16) | ((uint)_buffer[i + 3] << 24);
        }

        public byte PeekByte(int at) => _buffer[_start + at];
        public void Advance(int count) => _start += count;

        /// <summary>Reads a value whose length came from the file: refuses lengths the stream cannot hold, and grows the buffer only as data arrives.</summary>
        public byte[] ReadBytes(long count, string what) => ReadBytes(count, what, null);

        /// <summary>The message names "what" + the tag, built only on failure (no string work per element on the hot path).</summary>
        public byte[] ReadBytes(long count, string what, DicomTag? tag)
        {
            if (count < 0) throw Error("Negative length for " + Describe(what, tag));
            if (LengthKnown && count > Remaining)
                throw Error("The length of " + Describe(what, tag) + " (" + count + " bytes) runs past the end of the file (" + Remaining + " bytes left)");
            if (count > int.MaxValue - 64) throw Error("The length of " + Describe(what, tag) + " (" + count + " bytes) is too large to hold in memory");
            if (count <= _buffer.Length)
            {
                if (!Ensure((int)count)) throw Error("The file ends inside " + Describe(what, tag) + " (truncated)");
                var small = new byte[count];
                Buffer.BlockCopy(_buffer, _start, small, 0, (int)count);
                _start += (int)count;
                return small;
            }
            // Unknown remaining length (inflating): grow with the data actually read, never trust the length field alone.
            using (var ms = new MemoryStream())
            {
                CopyTo(ms, count, what, tag);
                return ms.ToArray();
            }
        }

        public void Skip(long count, string what) => Skip(count, what, null);

        public void Skip(long count, string what, DicomTag? tag)
        {
            if (count < 0) throw Error("Negative length for " + Describe(what, tag));
            if (LengthKnown && count > Remaining)
                throw Error("The length of " + Describe(what, tag) + " (" + count + " bytes) runs past the end of the file (" + Remaining + " bytes left)");
            var buffered = _end - _start;
            if (count <= buffered) { _start += (int)count; return; }
            if (_stream.CanSeek)
            {
                var target = Position + count;
                SeekTo(target);
                return;
            }
            count -= buffered;
            _start = _end;
            while (count > 0)
            {
                _bufferBase += _end;
                _start = _end = 0;
                var n = ReadStream(0, (int)Math.Min(_buffer.Length, count));
                if (n <= 0) throw Error("The file ends inside " + Describe(what, tag) + " (truncated)");
                count -= n;
                _bufferBase += n;
            }
        }

        // Seekable streams only: the stream position equals logical position minus the logical base of the stream.
        private long _streamOrigin;
        public void SetStreamOrigin(long logicalOffsetOfStreamStart) => _streamOrigin = logicalOffsetOfStreamStart;

        private void SeekTo(long logical)
        {
            _stream.Seek(logical - _streamOrigin, SeekOrigin.Begin);
            _bufferBase = logical;
            _start = _end = 0;
        }

        /// <summary>Copies exactly <paramref name="count"/> bytes to <paramref name="destination"/> through the buffer.</summary>
        public void CopyTo(Stream destination, long count, string what) => CopyTo(destination, count, what, null);

        public void CopyTo(Stream destination, long count, string what, DicomTag? tag)
        {
            if (LengthKnown && count > Remaining)
                throw Error("The length of " + Describe(what, tag) + " (" + count + " bytes) runs past the end of the file (" + Remaining + " bytes left)");
            while (count > 0)
            {
                if (_end == _start && !Ensure(1)) throw Error("The file ends inside " + Describe(what, tag) + " (truncated)");
                var n = (int)Math.Min(_end - _start, count);
                destination.Write(_buffer, _start, n);
                _start += n;
                count -= n;
            }
        }

        /// <summary>Copies everything left to <paramref name="destination"/>.</summary>
        public void CopyToEnd(Stream destination)
        {
            while (Ensure(1))
            {
                destination.Write(_buffer, _start, _end - _start);
                _start = _end;
            }
        }

        /// <summary>
        /// Copies everything left of a file read without inflation (logical offsets are file offsets): the buffered bytes,
        /// then the rest by <paramref name="copier"/>, so the kernel can move it without our memory.
        /// </summary>
        public IO.RangeCopyResult CopyRestOfFile(FileStream file, FileStream destination, IO.FileRangeCopier copier)
        {
            if (!LengthKnown) throw new InvalidOperationException("The rest of an inflating input has no file range.");
            destination.Write(_buffer, _start, _end - _start);
            var from = _bufferBase + _end;
            var result = copier.Copy(file, from - _streamOrigin, destination, _length - from);
            _bufferBase = _length;
            _start = _end = 0;
            return result;
        }

        private bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            if (_ownsStream) _stream.Dispose();
            ArrayPool<byte>.Shared.Return(_buffer);
        }
    }

    /// <summary>Reads one stream, then another (the second one is not disposed).</summary>
    internal sealed class ConcatenatedStream : ForwardReadStream
    {
        private readonly Stream _first, _second;
        private bool _firstDone;

        public ConcatenatedStream(Stream first, Stream second) { _first = first; _second = second; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (!_firstDone)
            {
                var n = _first.Read(buffer, offset, count);
                if (n > 0) return n;
                _firstDone = true;
            }
            return _second.Read(buffer, offset, count);
        }

    }

    /// <summary>Passes reads through and remembers whether the source ran dry (see <see cref="DicomInput.Inflating"/>).</summary>
    internal sealed class EndWatchingStream : ForwardReadStream
    {
        private readonly Stream _inner;
        private readonly bool _leaveOpen;

        public EndWatchingStream(Stream inner, bool leaveOpen) { _inner = inner; _leaveOpen = leaveOpen; }

        public bool ReachedEnd { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = _inner.Read(buffer, offset, count);
            if (n == 0 && count > 0) ReachedEnd = true;
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_leaveOpen) _inner.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>What a read-only, forward-only wrapper leaves unsupported, said once for all of them.</summary>
    internal abstract class ForwardReadStream : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
