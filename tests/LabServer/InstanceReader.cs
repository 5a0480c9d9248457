using System.IO.Compression;
using System.Text;

namespace DicomTools.LabServer;

/// <summary>The identifying UIDs of one received file.</summary>
public sealed record InstanceSummary(string? SopClassUid, string SopInstanceUid, string? StudyInstanceUid, string? SeriesInstanceUid, string PatientId);

/// <summary>A received body that is not a storable DICOM file; the message says why.</summary>
public sealed class InvalidInstanceException : Exception
{
    public InvalidInstanceException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>How the server reads a received file. One small seam so the server does not depend on how.</summary>
internal interface IInstanceReader
{
    /// <exception cref="InvalidInstanceException">not DICOM, damaged, or without a SOP Instance UID.</exception>
    InstanceSummary Read(string path);
}

/// <summary>
/// Reads only what the server indexes by: the Part 10 header and the top-level UIDs/PatientID.
/// Provisional until the codec's DicomFileReader.ReadSummary lands (branch codec); then this class goes.
/// </summary>
internal sealed class Part10HeaderReader : IInstanceReader
{
    private const string ImplicitLittle = "1.2.840.10008.1.2";
    private const string ExplicitBig = "1.2.840.10008.1.2.2";
    private const string Deflated = "1.2.840.10008.1.2.1.99";
    private static readonly HashSet<string> LongVrs = new(StringComparer.Ordinal) { "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV" };

    public InstanceSummary Read(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024);
        var prefix = new byte[132];
        if (file.ReadAtLeast(prefix, 132, throwOnEndOfStream: false) < 132 || Encoding.ASCII.GetString(prefix, 128, 4) != "DICM")
            throw new InvalidInstanceException("not a DICOM Part 10 file: no 'DICM' at offset 128");

        var reader = new ElementReader(new BufferedStream(file), explicitVr: true, bigEndian: false, 132);
        string? transferSyntax = null;
        // File meta group: explicit VR little endian, always.
        while (reader.TryPeekGroup(out var group) && group == 0x0002)
        {
            var e = reader.Next();
            if (e.Tag == 0x00020010) transferSyntax = e.Text;
        }
        if (transferSyntax == null) throw new InvalidInstanceException("the file meta information has no Transfer Syntax UID (0002,0010)");

        Stream dataset = reader.Remaining;
        var start = reader.Offset;
        if (transferSyntax == Deflated) { dataset = new DeflateStream(dataset, CompressionMode.Decompress); start = 0; }
        var body = new ElementReader(dataset, explicitVr: transferSyntax != ImplicitLittle, bigEndian: transferSyntax == ExplicitBig, start);

        string? sopClass = null, sop = null, study = null, series = null, patient = null;
        while (body.TryPeekGroup(out var group) && group <= 0x0020)
        {
            var e = body.Next();
            switch (e.Tag)
            {
                case 0x00080016: sopClass = e.Text; break;
                case 0x00080018: sop = e.Text; break;
                case 0x00100020: patient = e.Text; break;
                case 0x0020000D: study = e.Text; break;
                case 0x0020000E: series = e.Text; break;
            }
            if (e.Tag >= 0x0020000E) break;
        }
        if (string.IsNullOrEmpty(sop)) throw new InvalidInstanceException("the dataset has no SOP Instance UID (0008,0018)");
        return new InstanceSummary(sopClass, sop, study, series, patient ?? "");
    }

    private readonly record struct Element(uint Tag, string? Text);

    private sealed class ElementReader
    {
        private readonly Stream _stream;
        private readonly bool _explicitVr;
        private readonly bool _bigEndian;
        private readonly byte[] _peek = new byte[4];
        private int _peeked;

        public ElementReader(Stream stream, bool explicitVr, bool bigEndian, long offset)
        {
            _stream = stream; _explicitVr = explicitVr; _bigEndian = bigEndian; Offset = offset;
        }

        public long Offset { get; private set; }

        /// <summary>The rest of the stream, including any peeked bytes.</summary>
        public Stream Remaining => _peeked == 0 ? _stream : new PrefixedStream(_peek.AsSpan(0, _peeked).ToArray(), _stream);

        public bool TryPeekGroup(out ushort group)
        {
            while (_peeked < 4)
            {
                var n = _stream.Read(_peek, _peeked, 4 - _peeked);
                if (n == 0) { group = 0; return false; }
                _peeked += n;
            }
            // Meta group is little endian even when the dataset is big endian.
            group = _bigEndian && !(_peek[0] == 2 && _peek[1] == 0) ? (ushort)(_peek[0] << 8 | _peek[1]) : (ushort)(_peek[0] | _peek[1] << 8);
            return true;
        }

        public Element Next()
        {
            var head = ReadExact(4);
            var meta = head[0] == 2 && head[1] == 0;
            var big = _bigEndian && !meta;
            var tag = (uint)U16(head, 0, big) << 16 | U16(head, 2, big);
            string? vr = null;
            long length;
            if (_explicitVr || meta)
            {
                var vrBytes = ReadExact(2);
                vr = Encoding.ASCII.GetString(vrBytes);
                if (LongVrs.Contains(vr)) { ReadExact(2); length = U32(ReadExact(4), big); }
                else length = U16(ReadExact(2), 0, big);
            }
            else length = U32(ReadExact(4), big);

            if (length == 0xFFFFFFFF) { SkipUndefined(); return new Element(tag, null); }
            if (vr == "SQ" || length > 1024 || tag > 0x0020FFFF) { Skip(length); return new Element(tag, null); }
            var value = ReadExact((int)length);
            return new Element(tag, Encoding.ASCII.GetString(value).TrimEnd('\0', ' '));
        }

        // A sequence (or encapsulated data) of undefined length: walk items to the Sequence Delimitation Item.
        private void SkipUndefined()
        {
            while (true)
            {
                var head = ReadExact(8);
                var big = _bigEndian;
                var tag = (uint)U16(head, 0, big) << 16 | U16(head, 2, big);
                var length = U32(head.AsSpan(4).ToArray(), big);
                if (tag == 0xFFFEE0DD) return;
                if (tag != 0xFFFEE000) throw new InvalidInstanceException($"damaged sequence at offset {Offset - 8}: expected an item, found tag {tag:X8}");
                if (length != 0xFFFFFFFF) { Skip(length); continue; }
                // An item of undefined length: its elements until the Item Delimitation Item.
                while (true)
                {
                    if (!TryPeekGroup(out var g)) throw new InvalidInstanceException($"the file ends inside a sequence item (offset {Offset})");
                    if (g == 0xFFFE)
                    {
                        var delim = ReadExact(8);
                        var dtag = (uint)U16(delim, 0, big) << 16 | U16(delim, 2, big);
                        if (dtag == 0xFFFEE00D) break;
                        throw new InvalidInstanceException($"damaged sequence item at offset {Offset - 8}");
                    }
                    Next();
                }
            }
        }

        private void Skip(long length)
        {
            var buffer = new byte[Math.Min(length, 81920)];
            while (length > 0)
            {
                var chunk = (int)Math.Min(length, buffer.Length);
                ReadInto(buffer, chunk);
                length -= chunk;
            }
        }

        private byte[] ReadExact(int count)
        {
            var buffer = new byte[count];
            ReadInto(buffer, count);
            return buffer;
        }

        private void ReadInto(byte[] buffer, int count)
        {
            var done = 0;
            var fromPeek = Math.Min(_peeked, count);
            if (fromPeek > 0)
            {
                Array.Copy(_peek, buffer, fromPeek);
                Array.Copy(_peek, fromPeek, _peek, 0, _peeked - fromPeek);
                _peeked -= fromPeek;
                done = fromPeek;
            }
            while (done < count)
            {
                var n = _stream.Read(buffer, done, count - done);
                if (n == 0) throw new InvalidInstanceException($"the file is truncated at offset {Offset + done}");
                done += n;
            }
            Offset += count;
        }

        private static ushort U16(byte[] b, int at, bool big) => big ? (ushort)(b[at] << 8 | b[at + 1]) : (ushort)(b[at] | b[at + 1] << 8);

        private static uint U32(byte[] b, bool big) => big
            ? (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3])
            : (uint)(b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24);
    }

    private sealed class PrefixedStream : Stream
    {
        private readonly byte[] _prefix;
        private readonly Stream _inner;
        private int _at;
        public PrefixedStream(byte[] prefix, Stream inner) { _prefix = prefix; _inner = inner; }
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_at < _prefix.Length)
            {
                var n = Math.Min(count, _prefix.Length - _at);
                Array.Copy(_prefix, _at, buffer, offset, n);
                _at += n;
                return n;
            }
            return _inner.Read(buffer, offset, count);
        }
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
