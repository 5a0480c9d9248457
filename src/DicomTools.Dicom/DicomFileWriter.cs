using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Text;

namespace DicomTools.Dicom
{
    /// <summary>An in-memory dataset for writing new files; values are small by nature here.</summary>
    public sealed class DicomDatasetBuilder
    {
        internal enum Kind { Text, Binary, Raw, Sequence, Encapsulated, Streamed }

        internal sealed class Node
        {
            public DicomTag Tag;
            public string VR = "";
            public Kind Kind;
            public string? Text;
            public byte[]? Bytes;
            public List<DicomDatasetBuilder>? Items;
            public bool UndefinedLength;
            public List<byte[]>? Fragments;
            public Func<Stream>? Source;
            public long Length;
        }

        internal readonly SortedDictionary<uint, Node> Nodes = new SortedDictionary<uint, Node>();

        /// <summary>A text, number or UID value (multiple values separated by '\'); encoded per the builder's character set.</summary>
        public DicomDatasetBuilder Add(DicomTag tag, string vr, string value)
        {
            if (value == null) throw new ArgumentNullException(nameof(value));
            CheckVr(vr);
            DicomValues.Validate(tag, vr, value);
            Nodes[tag.Value] = new Node { Tag = tag, VR = vr, Kind = Kind.Text, Text = value };
            return this;
        }

        /// <summary>Adds by keyword or numeric tag with the dictionary's VR, e.g. Add("PatientName", "Doe^Rex").</summary>
        public DicomDatasetBuilder Add(string keywordOrTag, string value)
        {
            if (!DicomDictionary.TryResolve(keywordOrTag, out var tag)) throw new ArgumentException("Unknown keyword or tag '" + keywordOrTag + "'.", nameof(keywordOrTag));
            var vr = DicomDictionary.VrOf(tag) ?? throw new ArgumentException("Tag " + tag + " has no VR in the dictionary; use Add(tag, vr, value).", nameof(keywordOrTag));
            return Add(tag, vr, value);
        }

        /// <summary>Raw value bytes (OB, OW, UN, FL, US, ...), given in little-endian order; swapped per VR for big endian. Odd lengths are padded with a NUL.</summary>
        public DicomDatasetBuilder AddBinary(DicomTag tag, string vr, byte[] value)
        {
            CheckVr(vr);
            Nodes[tag.Value] = new Node { Tag = tag, VR = vr, Kind = Kind.Binary, Bytes = value ?? throw new ArgumentNullException(nameof(value)) };
            return this;
        }

        /// <summary>
        /// A large value (e.g. 1 GiB of pixel data for a benchmark) copied from a stream when the file is written, never
        /// held in memory. <paramref name="openSource"/> is called once per write and must yield exactly
        /// <paramref name="length"/> bytes (even), in little-endian order; big-endian files are refused for words wider than a byte.
        /// </summary>
        public DicomDatasetBuilder AddBinary(DicomTag tag, string vr, Func<Stream> openSource, long length)
        {
            CheckVr(vr);
            if (length < 0 || length >= uint.MaxValue || (length & 1) == 1) throw new ArgumentOutOfRangeException(nameof(length), "The length must be even and below 4 GiB.");
            Nodes[tag.Value] = new Node { Tag = tag, VR = vr, Kind = Kind.Streamed, Source = openSource ?? throw new ArgumentNullException(nameof(openSource)), Length = length };
            return this;
        }

        /// <summary>Value bytes written exactly as given: no padding, no swapping, no validation (to make old or broken files for tests).</summary>
        public DicomDatasetBuilder AddRaw(DicomTag tag, string vr, byte[] value)
        {
            Nodes[tag.Value] = new Node { Tag = tag, VR = vr, Kind = Kind.Raw, Bytes = value ?? throw new ArgumentNullException(nameof(value)) };
            return this;
        }

        /// <summary>A sequence; <paramref name="undefinedLength"/> writes undefined-length sequence and items.</summary>
        public DicomDatasetBuilder AddSequence(DicomTag tag, IEnumerable<DicomDatasetBuilder> items, bool undefinedLength = false)
        {
            Nodes[tag.Value] = new Node { Tag = tag, VR = "SQ", Kind = Kind.Sequence, Items = new List<DicomDatasetBuilder>(items), UndefinedLength = undefinedLength };
            return this;
        }

        /// <summary>Encapsulated pixel data: an offset table (may be empty) and fragments, passed as is.</summary>
        public DicomDatasetBuilder AddEncapsulatedPixelData(byte[] basicOffsetTable, IEnumerable<byte[]> fragments)
        {
            Nodes[DicomTag.PixelData.Value] = new Node { Tag = DicomTag.PixelData, VR = "OB", Kind = Kind.Encapsulated, Bytes = basicOffsetTable, Fragments = new List<byte[]>(fragments) };
            return this;
        }

        /// <summary>Removes an element; false when there was none.</summary>
        public bool Remove(DicomTag tag) => Nodes.Remove(tag.Value);

        internal string? TextOf(DicomTag tag) => Nodes.TryGetValue(tag.Value, out var n) ? n.Text : null;

        private static void CheckVr(string vr)
        {
            if (vr == null || !VrRules.IsKnown(vr)) throw new ArgumentException("'" + vr + "' is not a DICOM VR.", nameof(vr));
        }

        internal void WriteTo(Stream s, DicomTransferSyntax ts, DicomCharacterSet inherited)
        {
            var charsetText = TextOf(DicomTag.SpecificCharacterSet);
            var charset = charsetText != null ? DicomCharacterSet.Parse(charsetText) : inherited;
            foreach (var n in Nodes.Values)
            {
                switch (n.Kind)
                {
                    case Kind.Text:
                        var value = DicomValues.Encode(n.Tag, n.VR, n.Text!, charset, ts.BigEndian)
                            ?? throw new DicomCharacterSetException(n.Tag + " (" + n.VR + "): the text cannot be represented in character set '" + charset.Value + "'; add (0008,0005) = ISO_IR 192.", n.Tag, n.VR);
                        WriteElement(s, n.Tag, n.VR, value, ts);
                        break;
                    case Kind.Binary:
                        var bytes = n.Bytes!;
                        if ((bytes.Length & 1) == 1) { Array.Resize(ref bytes, bytes.Length + 1); }
                        WriteElement(s, n.Tag, n.VR, ts.BigEndian ? DicomEncoder.Swap(bytes, n.VR) : bytes, ts);
                        break;
                    case Kind.Raw:
                        WriteElement(s, n.Tag, n.VR, n.Bytes!, ts);
                        break;
                    case Kind.Streamed:
                        if (ts.BigEndian && VrRules.WordSize(n.VR) > 1) throw new NotSupportedException("Streamed values of VR " + n.VR + " cannot be byte-swapped for big endian; use AddBinary with a byte array.");
                        DicomEncoder.WriteHeader(s, n.Tag, n.VR, (uint)n.Length, ts);
                        CopyExactly(n.Source!, s, n.Length, n.Tag);
                        break;
                    case Kind.Sequence:
                        WriteSequence(s, n, ts, charset);
                        break;
                    case Kind.Encapsulated:
                        DicomEncoder.WriteHeader(s, n.Tag, "OB", ElementHeader.UndefinedLength, ts);
                        DicomEncoder.WriteHeader(s, DicomTag.Item, "", (uint)n.Bytes!.Length, ts);
                        s.Write(n.Bytes, 0, n.Bytes.Length);
                        foreach (var f in n.Fragments!)
                        {
                            var frag = f;
                            if ((frag.Length & 1) == 1) Array.Resize(ref frag, frag.Length + 1);
                            DicomEncoder.WriteHeader(s, DicomTag.Item, "", (uint)frag.Length, ts);
                            s.Write(frag, 0, frag.Length);
                        }
                        DicomEncoder.WriteHeader(s, DicomTag.SequenceDelimitation, "", 0, ts);
                        break;
                }
            }
        }

        private static void CopyExactly(Func<Stream> open, Stream destination, long length, DicomTag tag)
        {
            var buffer = new byte[Math.Min(length, 1024 * 1024)];
            using (var source = open())
            {
                var left = length;
                while (left > 0)
                {
                    var n = source.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                    if (n <= 0) throw new EndOfStreamException("The source stream of " + tag + " ended " + left + " bytes before the declared length.");
                    destination.Write(buffer, 0, n);
                    left -= n;
                }
            }
        }

        private static void WriteElement(Stream s, DicomTag tag, string vr, byte[] value, DicomTransferSyntax ts)
        {
            DicomEncoder.WriteHeader(s, tag, vr, (uint)value.Length, ts);
            s.Write(value, 0, value.Length);
        }

        private static void WriteSequence(Stream s, Node n, DicomTransferSyntax ts, DicomCharacterSet charset)
        {
            if (n.UndefinedLength)
            {
                DicomEncoder.WriteHeader(s, n.Tag, "SQ", ElementHeader.UndefinedLength, ts);
                foreach (var item in n.Items!)
                {
                    DicomEncoder.WriteHeader(s, DicomTag.Item, "", ElementHeader.UndefinedLength, ts);
                    item.WriteTo(s, ts, charset);
                    DicomEncoder.WriteHeader(s, DicomTag.ItemDelimitation, "", 0, ts);
                }
                DicomEncoder.WriteHeader(s, DicomTag.SequenceDelimitation, "", 0, ts);
                return;
            }
            using (var content = new MemoryStream())
            {
                foreach (var item in n.Items!)
                {
                    using (var itemContent = new MemoryStream())
                    {
                        item.WriteTo(itemContent, ts, charset);
                        DicomEncoder.WriteHeader(content, DicomTag.Item, "", (uint)itemContent.Length, ts);
                        itemContent.Position = 0;
                        itemContent.CopyTo(content);
                    }
                }
                DicomEncoder.WriteHeader(s, n.Tag, "SQ", (uint)content.Length, ts);
                content.Position = 0;
                content.CopyTo(s);
            }
        }
    }

    /// <summary>How <see cref="DicomFileWriter"/> frames a dataset.</summary>
    public sealed class DicomWriteOptions
    {
        /// <summary>False writes a bare dataset with no preamble and no File Meta (old-style files).</summary>
        public bool WritePart10Header { get; set; } = true;
        /// <summary>Implementation Class UID written in the File Meta.</summary>
        public string ImplementationClassUid { get; set; } = "1.2.826.0.1.3680043.10.1234.1";
        /// <summary>Implementation Version Name written in the File Meta (SH, up to 16 characters).</summary>
        public string ImplementationVersionName { get; set; } = "DICOMTOOLS_010";
    }

    /// <summary>Writes a <see cref="DicomDatasetBuilder"/> as a Part 10 file (or bare dataset) in any native or deflated syntax.</summary>
    public static class DicomFileWriter
    {

        /// <summary>Writes the dataset to a file in <paramref name="transferSyntax"/> (native or deflated; see the string overload).</summary>
        public static void Write(string path, DicomDatasetBuilder dataset, DicomTransferSyntax transferSyntax, DicomWriteOptions? options = null) =>
            Write(path, dataset, (transferSyntax ?? throw new ArgumentNullException(nameof(transferSyntax))).Uid, options);

        /// <summary>Writes the dataset to a stream in <paramref name="transferSyntax"/> (native or deflated; see the string overload).</summary>
        public static void Write(Stream output, DicomDatasetBuilder dataset, DicomTransferSyntax transferSyntax, DicomWriteOptions? options = null) =>
            Write(output, dataset, (transferSyntax ?? throw new ArgumentNullException(nameof(transferSyntax))).Uid, options);

        /// <summary>Writes the dataset in the given transfer syntax; File Meta is made from SOPClassUID/SOPInstanceUID.</summary>
        public static void Write(string path, DicomDatasetBuilder dataset, string transferSyntaxUid, DicomWriteOptions? options = null)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            try
            {
                using (var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024))
                {
                    Write(fs, dataset, transferSyntaxUid, options);
                }
            }
            catch
            {
                // A half-written file must not look like a valid one to whoever lists the folder next.
                try { File.Delete(path); }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
                throw;
            }
        }

        /// <summary>Writes the file to a stream (left open).</summary>
        public static void Write(Stream output, DicomDatasetBuilder dataset, string transferSyntaxUid, DicomWriteOptions? options = null)
        {
            if (dataset == null) throw new ArgumentNullException(nameof(dataset));
            options ??= new DicomWriteOptions();
            var ts = DicomTransferSyntax.FromUidLenient(transferSyntaxUid);
            if (options.WritePart10Header)
            {
                output.Write(new byte[128], 0, 128);
                output.Write(Encoding.ASCII.GetBytes("DICM"), 0, 4);
                var meta = new DicomDatasetBuilder()
                    .AddBinary(DicomTags.FileMetaInformationVersion, "OB", new byte[] { 0, 1 })
                    .Add(DicomTags.MediaStorageSOPClassUID, "UI", dataset.TextOf(DicomTags.SOPClassUID) ?? "")
                    .Add(DicomTags.MediaStorageSOPInstanceUID, "UI", dataset.TextOf(DicomTag.SopInstanceUid) ?? "")
                    .Add(DicomTag.TransferSyntaxUid, "UI", transferSyntaxUid)
                    .Add(DicomTags.ImplementationClassUID, "UI", options.ImplementationClassUid)
                    .Add(DicomTags.ImplementationVersionName, "SH", options.ImplementationVersionName);
                using (var ms = new MemoryStream())
                {
                    meta.WriteTo(ms, DicomTransferSyntax.ExplicitVRLittleEndian, DicomCharacterSet.Default);
                    var groupLength = new byte[4];
                    DicomEncoder.Put32(groupLength, 0, (uint)ms.Length, false);
                    output.Write(DicomEncoder.Element(DicomTags.FileMetaInformationGroupLength, "UL", groupLength, DicomTransferSyntax.ExplicitVRLittleEndian), 0, 12);
                    ms.Position = 0;
                    ms.CopyTo(output);
                }
            }
            if (ts.Deflated)
            {
                using (var deflate = new DeflateStream(output, CompressionLevel.Optimal, true))
                {
                    dataset.WriteTo(deflate, ts, DicomCharacterSet.Default);
                }
            }
            else
            {
                dataset.WriteTo(output, ts, DicomCharacterSet.Default);
            }
        }
    }
}
