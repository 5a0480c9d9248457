using System;
using System.IO;
using System.IO.Compression;

namespace DicomTools.Dicom.Network
{
    /// <summary>
    /// One SOP instance to send with C-STORE: its identity (SOP class/instance, transfer syntax) and a way to stream its
    /// data set (the bytes after File Meta) without loading it. A source made by <see cref="Open"/> holds its file open
    /// from the header read to the send: dispose it.
    /// </summary>
    public sealed class DicomStoreSource : IDisposable
    {
        private const int HeaderBufferBytes = 4096;
        private const int MaxUidValueBytes = 64 * 1024;
        private readonly Func<Stream>? _openDataset;
        private readonly long _datasetOffset;
        private FileStream? _file;

        private DicomStoreSource(string? path, long datasetOffset, Func<Stream>? openDataset, FileStream? file, string sopClassUid, string sopInstanceUid, string transferSyntaxUid)
        {
            Path = path; _datasetOffset = datasetOffset; _openDataset = openDataset; _file = file;
            SopClassUid = sopClassUid; SopInstanceUid = sopInstanceUid; TransferSyntaxUid = transferSyntaxUid;
        }

        /// <summary>The file, when the source is one.</summary>
        public string? Path { get; }
        /// <summary>The SOP Class UID sent as Affected SOP Class UID.</summary>
        public string SopClassUid { get; }
        /// <summary>The SOP Instance UID sent as Affected SOP Instance UID.</summary>
        public string SopInstanceUid { get; }
        /// <summary>The transfer syntax the data set is encoded in (from File Meta, or guessed as the codec reads).</summary>
        public string TransferSyntaxUid { get; }

        /// <summary>Reads the file's identity with the codec (File Meta, then (0008,0016)/(0008,0018)); no pixel data is read. The file is closed again.</summary>
        /// <exception cref="DicomFormatException">The file is not DICOM, is damaged, or lacks a SOP Class/Instance UID.</exception>
        public static DicomStoreSource FromFile(string path) => Read(path, OpenHeaderStream, keepOpen: false);

        /// <summary>
        /// As <see cref="FromFile(string)"/>, keeping the file open for the send that follows, which reads the data set from
        /// the same handle: one open per file instead of two. For a caller that sends at once and disposes the source
        /// (a batch that reads every header before sending would hold every file open).
        /// </summary>
        /// <exception cref="DicomFormatException">The file is not DICOM, is damaged, or lacks a SOP Class/Instance UID.</exception>
        public static DicomStoreSource Open(string path) => Read(path, OpenHeaderStream, keepOpen: true);

        /// <summary>As <see cref="FromFile(string)"/> with the open injected (tests count the opens).</summary>
        internal static DicomStoreSource FromFile(string path, Func<string, Stream> openFile) => Read(path, openFile, keepOpen: false);

        /// <summary>As <see cref="Open"/> with the open injected.</summary>
        internal static DicomStoreSource OpenWith(string path, Func<string, Stream> openFile) => Read(path, openFile, keepOpen: true);

        /// <summary>
        /// One open and one parse: File Meta (the data set's offset and syntax), then the data set up to (0008,0018),
        /// with the codec's rule that the data set's UIDs win over File Meta's.
        /// </summary>
        private static DicomStoreSource Read(string path, Func<string, Stream> openFile, bool keepOpen)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            var file = openFile(path);
            var kept = false;
            try
            {
                var start = file.Position;
                DicomFileHeader header;
                string? sopClass = null, sopInstance = null;
                try
                {
                    using (var input = DicomParser.Open(file, path, out header, HeaderBufferBytes))
                        ReadIdentity(input, header, ref sopClass, ref sopInstance);
                }
                catch (DicomFormatException ex) when (ex.Path != path) { throw new DicomFormatException(ex.Message, ex.Offset, path, ex); }
                if (string.IsNullOrEmpty(sopClass)) throw new DicomFormatException("The file has no SOP Class UID ((0008,0016) or (0002,0002)), which C-STORE needs", 0, path);
                if (string.IsNullOrEmpty(sopInstance)) throw new DicomFormatException("The file has no SOP Instance UID ((0008,0018) or (0002,0003)), which C-STORE needs", 0, path);
                var keep = keepOpen ? file as FileStream : null;
                kept = keep != null;
                return new DicomStoreSource(path, start + header.DatasetOffset, null, keep, sopClass!, sopInstance!, header.TransferSyntaxUid);
            }
            finally
            {
                if (!kept) file.Dispose();
            }
        }

        private static void ReadIdentity(DicomInput input, DicomFileHeader header, ref string? sopClass, ref string? sopInstance)
        {
            DicomFileReader.SopIdentityFromMeta(header, ref sopClass, ref sopInstance);
            var walker = new DicomWalker(input, header.Syntax) { StopAfter = DicomTags.SOPInstanceUID };
            while (walker.Next())
            {
                if (walker.Event == DicomWalkEvent.SequenceStart) { walker.SkipValue(); continue; }
                if (walker.Event != DicomWalkEvent.Element || walker.Depth != 0 || walker.IsEncapsulated) continue;
                var h = walker.Header;
                if ((h.Tag != DicomTags.SOPClassUID && h.Tag != DicomTags.SOPInstanceUID) || h.Length > MaxUidValueBytes) continue;
                var value = DicomValues.Decode(walker.ReadValue(), h.VR, DicomCharacterSet.Default, walker.Syntax.BigEndian);
                if (h.Tag == DicomTags.SOPClassUID) sopClass = value; else sopInstance = value;
            }
        }

        // Only regular files (a FIFO named *.dcm would block forever); small buffer: only the header is read here.
        private static Stream OpenHeaderStream(string path) => IO.RegularFile.OpenRead(path, 1, FileOptions.SequentialScan, out _);

        /// <summary>
        /// A data set from elsewhere (no File Meta): <paramref name="openDataset"/> is called once per send and must return a
        /// stream positioned at the first data set element, in <paramref name="transferSyntaxUid"/>; the sender disposes it.
        /// </summary>
        public static DicomStoreSource FromDataset(Func<Stream> openDataset, string sopClassUid, string sopInstanceUid, string transferSyntaxUid) =>
            new DicomStoreSource(null, 0, openDataset ?? throw new ArgumentNullException(nameof(openDataset)), null,
                sopClassUid ?? throw new ArgumentNullException(nameof(sopClassUid)),
                sopInstanceUid ?? throw new ArgumentNullException(nameof(sopInstanceUid)),
                transferSyntaxUid ?? throw new ArgumentNullException(nameof(transferSyntaxUid)));

        /// <summary>The data set's bytes as stored (deflated stays deflated): what goes on the wire when the syntax was accepted. Dispose it.</summary>
        internal Stream OpenRaw()
        {
            return _openDataset != null ? _openDataset() : OpenRawFile();
        }

        /// <summary>The file kept open by <see cref="Open"/> (positioned at the data set; it stays the source's), or null.</summary>
        internal FileStream? KeptFile()
        {
            var file = _file;
            file?.Seek(_datasetOffset, SeekOrigin.Begin);
            return file;
        }

        /// <summary>The data set as the codec's reader, inflated when deflated: what the transcoder walks.</summary>
        internal DicomInput OpenForTranscoding(out DicomTransferSyntax syntax)
        {
            syntax = DicomTransferSyntax.FromUidLenient(TransferSyntaxUid);
            Stream stream = _openDataset != null ? _openDataset() : OpenRawFile();
            if (syntax.Deflated) stream = new DeflateStream(stream, CompressionMode.Decompress, false);
            return new DicomInput(stream, Path, 0, syntax.Deflated || !stream.CanSeek ? -1 : stream.Length - stream.Position, true);
        }

        private Stream OpenRawFile()
        {
            // The kept handle serves a send once more (a retry) without a new open; the caller's dispose must not close it.
            if (KeptFile() is FileStream kept) return new NonClosingStream(kept);
            var fs = new FileStream(Path!, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            fs.Seek(_datasetOffset, SeekOrigin.Begin);
            return fs;
        }

        /// <summary>Closes the file kept open by <see cref="Open"/>; a source from <see cref="FromFile(string)"/> holds nothing.</summary>
        public void Dispose()
        {
            var file = _file;
            _file = null;
            file?.Dispose();
        }

        /// <summary>The path, or the SOP Instance UID.</summary>
        public override string ToString() => Path ?? SopInstanceUid;
    }
}

namespace DicomTools.Dicom.Network
{
    /// <summary>A view of a stream that someone else owns: disposing the view leaves the stream open.</summary>
    internal sealed class NonClosingStream : Stream
    {
        private readonly Stream _inner;
        public NonClosingStream(Stream inner) { _inner = inner; }
        public override bool CanRead => _inner.CanRead;
        public override bool CanSeek => _inner.CanSeek;
        public override bool CanWrite => false;
        public override long Length => _inner.Length;
        public override long Position { get => _inner.Position; set => _inner.Position = value; }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => _inner.Seek(offset, origin);
        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
