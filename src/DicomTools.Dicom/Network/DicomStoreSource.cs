using System;
using System.IO;
using System.IO.Compression;

namespace DicomTools.Dicom.Network
{
    /// <summary>
    /// One SOP instance to send with C-STORE: its identity (SOP class/instance, transfer syntax) and a way to stream its
    /// data set (the bytes after File Meta) without loading it.
    /// </summary>
    public sealed class DicomStoreSource
    {
        private readonly Func<Stream>? _openDataset;
        private readonly long _datasetOffset;

        private DicomStoreSource(string? path, long datasetOffset, Func<Stream>? openDataset, string sopClassUid, string sopInstanceUid, string transferSyntaxUid)
        {
            Path = path; _datasetOffset = datasetOffset; _openDataset = openDataset;
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

        /// <summary>Reads the file's identity with the codec (File Meta, then (0008,0016)/(0008,0018)); no pixel data is read.</summary>
        /// <exception cref="DicomFormatException">The file is not DICOM, is damaged, or lacks a SOP Class/Instance UID.</exception>
        public static DicomStoreSource FromFile(string path) => FromFile(path, OpenHeaderStream);

        /// <summary>
        /// As <see cref="FromFile(string)"/> with the open injected: the header is read from ONE open of the file (the
        /// identity and the data set offset used to come from two opens, the send adds a third), which is per-file CPU
        /// and syscalls on the DIMSE send path.
        /// </summary>
        internal static DicomStoreSource FromFile(string path, Func<string, Stream> openFile)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            DicomFileSummary summary;
            long offset;
            using (var file = openFile(path))
            {
                var start = file.Position;
                // Two parses over the same handle: File Meta is a few hundred bytes and stays in the stream's buffer/page
                // cache; the summary keeps the codec's rule that the data set's UIDs win over File Meta.
                using (DicomParser.Open(file, path, out var header, 4096)) offset = start + header.DatasetOffset;
                file.Seek(start, SeekOrigin.Begin);
                try { summary = DicomFileReader.ReadSummary(file); }
                catch (DicomFormatException ex) when (ex.Path != path) { throw new DicomFormatException(ex.Message, ex.Offset, path, ex); }
            }
            if (string.IsNullOrEmpty(summary.SopClassUid)) throw new DicomFormatException("The file has no SOP Class UID ((0008,0016) or (0002,0002)), which C-STORE needs", 0, path);
            if (string.IsNullOrEmpty(summary.SopInstanceUid)) throw new DicomFormatException("The file has no SOP Instance UID ((0008,0018) or (0002,0003)), which C-STORE needs", 0, path);
            return new DicomStoreSource(path, offset, null, summary.SopClassUid!, summary.SopInstanceUid!, summary.TransferSyntaxUid);
        }

        // Only regular files (a FIFO named *.dcm would block forever); small buffer: only the header is read here.
        private static Stream OpenHeaderStream(string path) => IO.RegularFile.OpenRead(path, 1, FileOptions.SequentialScan, out _);

        /// <summary>
        /// A data set from elsewhere (no File Meta): <paramref name="openDataset"/> is called once per send and must return a
        /// stream positioned at the first data set element, in <paramref name="transferSyntaxUid"/>; the sender disposes it.
        /// </summary>
        public static DicomStoreSource FromDataset(Func<Stream> openDataset, string sopClassUid, string sopInstanceUid, string transferSyntaxUid) =>
            new DicomStoreSource(null, 0, openDataset ?? throw new ArgumentNullException(nameof(openDataset)),
                sopClassUid ?? throw new ArgumentNullException(nameof(sopClassUid)),
                sopInstanceUid ?? throw new ArgumentNullException(nameof(sopInstanceUid)),
                transferSyntaxUid ?? throw new ArgumentNullException(nameof(transferSyntaxUid)));

        /// <summary>The data set's bytes as stored (deflated stays deflated): what goes on the wire when the syntax was accepted.</summary>
        internal Stream OpenRaw()
        {
            return _openDataset != null ? _openDataset() : OpenRawFile();
        }

        /// <summary>The data set as the codec's reader, inflated when deflated: what the transcoder walks.</summary>
        internal DicomInput OpenForTranscoding(out DicomTransferSyntax syntax)
        {
            syntax = DicomTransferSyntax.FromUidLenient(TransferSyntaxUid);
            Stream stream = _openDataset != null ? _openDataset() : OpenRawFile();
            if (syntax.Deflated) stream = new DeflateStream(stream, CompressionMode.Decompress, false);
            return new DicomInput(stream, Path, 0, syntax.Deflated || !stream.CanSeek ? -1 : stream.Length - stream.Position, true);
        }

        private FileStream OpenRawFile()
        {
            var fs = new FileStream(Path!, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            fs.Seek(_datasetOffset, SeekOrigin.Begin);
            return fs;
        }

        /// <summary>The path, or the SOP Instance UID.</summary>
        public override string ToString() => Path ?? SopInstanceUid;
    }
}
