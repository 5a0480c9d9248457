using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace DicomTools.Engine.Http
{
    /// <summary>
    /// Orthanc (1.10 at least) answers every request with "Keep-Alive: timeout=1", and .NET's SocketsHttpHandler
    /// (since .NET 7) never reuses a connection whose server announced a timeout of one second or less: it keeps a
    /// second of margin. So every request to Orthanc opened a new TCP connection (strace: 300 connect() for 300 files),
    /// which costs Orthanc about 0.45 ms of CPU per file (measured: python requests with and without a Session), 6% of
    /// its work per instance, on the machine it is the ceiling of. Our own idle limit
    /// (<see cref="HttpClientFactory.PooledConnectionIdleTimeout"/>, 0.5 s) already keeps a margin under such a timeout,
    /// so the hint adds nothing but the refusal: this renames the header, in the response head only, to a name .NET
    /// does not act on ("X-Keep-Alv", same length, so no byte of the framing moves).
    /// </summary>
    internal static class KeepAliveHint
    {
        private static readonly byte[] HeaderName = { (byte)'K', (byte)'e', (byte)'e', (byte)'p', (byte)'-', (byte)'A', (byte)'l', (byte)'i', (byte)'v', (byte)'e' };
        private static readonly byte[] Replacement = { (byte)'X', (byte)'-', (byte)'K', (byte)'e', (byte)'e', (byte)'p', (byte)'-', (byte)'A', (byte)'l', (byte)'v' };

        /// <summary>The longest timeout (seconds) whose hint is set aside: longer ones already let .NET reuse the connection.</summary>
        internal const int LargestNeutralisedTimeout = 1;

        /// <summary>
        /// Rewrites, in place, a "Keep-Alive: timeout=N" line (N ≤ <see cref="LargestNeutralisedTimeout"/>, nothing else in
        /// the value) of the response head that starts at <paramref name="offset"/>, when the whole head (up to its blank
        /// line) is inside the <paramref name="count"/> bytes. Anything else — a head split across reads, a "max=" that
        /// asks to close, a body — is left as it is. True when a line was rewritten.
        /// </summary>
        internal static bool TryNeutralise(byte[] buffer, int offset, int count)
        {
            if (count < 16 || !StartsWith(buffer, offset, count, "HTTP/1.")) return false;
            var end = offset + count;
            // The head ends at the first blank line; only lines before it are headers.
            var headEnd = -1;
            for (var i = offset; i + 3 < end; i++)
            {
                if (buffer[i] == '\r' && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i + 3] == '\n') { headEnd = i + 2; break; }
            }
            if (headEnd < 0) return false;
            var rewritten = false;
            for (var line = NextLine(buffer, offset, headEnd); line >= 0 && line < headEnd; line = NextLine(buffer, line, headEnd))
            {
                if (!IsNeutralisableKeepAlive(buffer, line, headEnd)) continue;
                Buffer.BlockCopy(Replacement, 0, buffer, line, Replacement.Length);
                rewritten = true;
            }
            return rewritten;
        }

        private static int NextLine(byte[] buffer, int from, int headEnd)
        {
            for (var i = from; i + 1 < headEnd; i++)
                if (buffer[i] == '\r' && buffer[i + 1] == '\n') return i + 2;
            return -1;
        }

        private static bool IsNeutralisableKeepAlive(byte[] buffer, int line, int headEnd)
        {
            if (line + HeaderName.Length >= headEnd) return false;
            for (var i = 0; i < HeaderName.Length; i++)
                if (ToLower(buffer[line + i]) != ToLower(HeaderName[i])) return false;
            var p = line + HeaderName.Length;
            if (buffer[p++] != ':') return false;
            while (p < headEnd && (buffer[p] == ' ' || buffer[p] == '\t')) p++;
            const string key = "timeout=";
            for (var i = 0; i < key.Length; i++, p++)
                if (p >= headEnd || ToLower(buffer[p]) != key[i]) return false;
            var seconds = 0;
            var digits = 0;
            while (p < headEnd && buffer[p] >= '0' && buffer[p] <= '9' && digits < 4) { seconds = seconds * 10 + (buffer[p] - '0'); p++; digits++; }
            if (digits == 0 || seconds > LargestNeutralisedTimeout) return false;
            while (p < headEnd && (buffer[p] == ' ' || buffer[p] == '\t')) p++;
            // Nothing else in the value (no "max=0", which asks to close): the line ends here.
            return p + 1 < headEnd && buffer[p] == '\r' && buffer[p + 1] == '\n';
        }

        private static byte ToLower(byte b) => b >= 'A' && b <= 'Z' ? (byte)(b + 32) : b;

        private static bool StartsWith(byte[] buffer, int offset, int count, string prefix)
        {
            if (count < prefix.Length) return false;
            for (var i = 0; i < prefix.Length; i++) if (buffer[offset + i] != prefix[i]) return false;
            return true;
        }

        /// <summary>Whether a write starts a request ("POST /x HTTP/1.1"): the next bytes read start its answer.</summary>
        internal static bool StartsRequest(ReadOnlySpan<byte> written)
        {
            var space = written.IndexOf((byte)' ');
            if (space < 3 || space > 7) return false;
            for (var i = 0; i < space; i++) if (written[i] < 'A' || written[i] > 'Z') return false;
            var lineEnd = written.IndexOf((byte)'\r');
            var line = lineEnd < 0 ? written : written.Slice(0, lineEnd);
            return line.Length > space + 9 && line[line.Length - 8] == 'H' && line[line.Length - 7] == 'T' && line[line.Length - 6] == 'T'
                && line[line.Length - 5] == 'P' && line[line.Length - 4] == '/' && line[line.Length - 3] == '1';
        }
    }

#if NET
    /// <summary>
    /// The connection's plaintext stream (after TLS, if any), passing everything through; the first bytes read after a
    /// request was written — the head of its answer — go through <see cref="KeepAliveHint.TryNeutralise"/>.
    /// </summary>
    internal sealed class KeepAliveHintStream : Stream
    {
        private readonly Stream _inner;
        private int _awaitingAnswerHead;

        public KeepAliveHintStream(Stream inner) { _inner = inner; }

        public override bool CanRead => _inner.CanRead;
        public override bool CanSeek => false;
        public override bool CanWrite => _inner.CanWrite;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Flush() => _inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => Inspect(buffer, offset, _inner.Read(buffer, offset, count));

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Inspect(buffer, offset, await _inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken).ConfigureAwait(false));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read > 0 && Interlocked.Exchange(ref _awaitingAnswerHead, 0) == 1
                && System.Runtime.InteropServices.MemoryMarshal.TryGetArray<byte>(buffer, out var segment))
                KeepAliveHint.TryNeutralise(segment.Array!, segment.Offset, read);
            return read;
        }

        public override int Read(Span<byte> buffer)
        {
            // A span has no array to rewrite in place: read through one, rarely used (SocketsHttpHandler reads async).
            var array = new byte[buffer.Length];
            var read = Read(array, 0, array.Length);
            array.AsSpan(0, read).CopyTo(buffer);
            return read;
        }

        private int Inspect(byte[] buffer, int offset, int read)
        {
            if (read > 0 && Interlocked.Exchange(ref _awaitingAnswerHead, 0) == 1) KeepAliveHint.TryNeutralise(buffer, offset, read);
            return read;
        }

        private void Wrote(ReadOnlySpan<byte> bytes)
        {
            if (KeepAliveHint.StartsRequest(bytes)) Volatile.Write(ref _awaitingAnswerHead, 1);
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            Wrote(buffer.AsSpan(offset, count));
            _inner.Write(buffer, offset, count);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Wrote(buffer);
            _inner.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Wrote(buffer.AsSpan(offset, count));
            return _inner.WriteAsync(buffer, offset, count, cancellationToken);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Wrote(buffer.Span);
            return _inner.WriteAsync(buffer, cancellationToken);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }
#endif
}
