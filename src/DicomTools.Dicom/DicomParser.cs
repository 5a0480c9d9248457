using System;
using System.Globalization;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace DicomTools.Dicom
{
    /// <summary>One element header as found in the stream.</summary>
    internal struct ElementHeader
    {
        public const uint UndefinedLength = 0xFFFFFFFF;
        public DicomTag Tag;
        public string VR;
        public uint Length;
        public long Offset;
        public int HeaderLength;
        /// <summary>Explicit VR written as two spaces (read as the dictionary's VR, or UN, with a 16-bit length as dcmtk does).</summary>
        public bool BlankVr;
        public bool IsUndefinedLength => Length == UndefinedLength;
        public long ValueOffset => Offset + HeaderLength;
        public long End => ValueOffset + Length;
    }

    /// <summary>What comes before the dataset: preamble, File Meta, and the dataset's encoding.</summary>
    internal sealed class DicomFileHeader
    {
        public bool HasPreamble;
        public bool HasFileMeta;
        /// <summary>Offset in the file where the dataset starts (after File Meta).</summary>
        public long DatasetOffset;
        public DicomTransferSyntax Syntax = DicomTransferSyntax.ExplicitVRLittleEndian;
        public string TransferSyntaxUid = DicomTransferSyntax.ExplicitVRLittleEndian.Uid;
        public readonly List<KeyValuePair<ElementHeader, byte[]>> Meta = new List<KeyValuePair<ElementHeader, byte[]>>();
    }

    /// <summary>Element headers, File Meta and the guess of a bare dataset's encoding; the walk itself is <see cref="DicomWalker"/>.</summary>
    internal static class DicomParser
    {
        public const int MaxDepth = DicomWalker.MaxDepth;
        /// <summary>File Meta values are short; a longer one means a damaged file, not a reason to allocate.</summary>
        private const int MaxFileMetaValue = 64 * 1024;

        /// <summary>Reads the next header; false at the clean end of the stream.</summary>
        public static bool TryReadHeader(DicomInput input, DicomTransferSyntax ts, out ElementHeader h)
        {
            h = default;
            if (!input.Ensure(1)) return false;
            h.Offset = input.Position;
            if (!input.Ensure(8)) throw input.Error("The file ends inside an element header (truncated)");
            var be = ts.BigEndian;
            h.Tag = new DicomTag(input.PeekUInt16(0, be), input.PeekUInt16(2, be));
            if (h.Tag.Group == 0xFFFE)
            {
                h.VR = string.Empty;
                h.Length = input.PeekUInt32(4, be);
                h.HeaderLength = 8;
                input.Advance(8);
                return true;
            }
            if (ts.ExplicitVr)
            {
                var a = input.PeekByte(4);
                var b = input.PeekByte(5);
                if (a == (byte)' ' && b == (byte)' ')
                {
                    h.VR = DicomDictionary.VrOf(h.Tag) ?? "UN";
                    h.BlankVr = true;
                    h.Length = input.PeekUInt16(6, be);
                    h.HeaderLength = 8;
                    input.Advance(8);
                    return true;
                }
                if (!VrRules.IsValidVrCode(a, b))
                    throw input.Error("Element " + h.Tag + " has no valid VR (bytes 0x" + a.ToString("X2", CultureInfo.InvariantCulture) + " 0x" + b.ToString("X2", CultureInfo.InvariantCulture) + "); the file is damaged or not DICOM");
                h.VR = VrRules.FromBytes(a, b);
                if (VrRules.HasLongHeader(h.VR))
                {
                    if (!input.Ensure(12)) throw input.Error("The file ends inside an element header (truncated)");
                    h.Length = input.PeekUInt32(8, be);
                    h.HeaderLength = 12;
                }
                else
                {
                    h.Length = input.PeekUInt16(6, be);
                    h.HeaderLength = 8;
                }
            }
            else
            {
                h.Length = input.PeekUInt32(4, false);
                h.HeaderLength = 8;
                h.VR = h.Tag.Element == 0 ? "UL" : DicomDictionary.VrOf(h.Tag) ?? "UN";
                if (h.Tag == DicomTag.PixelData && h.IsUndefinedLength) h.VR = "OB";
            }
            input.Advance(h.HeaderLength);
            return true;
        }

        /// <summary>Whether an element's value is a sequence of items to walk (SQ, or undefined-length UN / unknown).</summary>
        public static bool IsSequence(in ElementHeader h) =>
            h.VR == "SQ" || (h.IsUndefinedLength && h.VR == "UN" && h.Tag != DicomTag.PixelData);

        public static bool IsEncapsulatedPixelData(in ElementHeader h) => h.Tag == DicomTag.PixelData && h.IsUndefinedLength;

        /// <summary>Undefined-length UN holds implicit VR little endian data (PS3.5 §6.2.2).</summary>
        public static DicomTransferSyntax ItemSyntax(in ElementHeader h, DicomTransferSyntax ts) => h.VR == "UN" ? DicomTransferSyntax.ImplicitVRLittleEndian : ts;

        /// <summary>Opens a file for reading: checks preamble/DICM, reads File Meta, returns an input positioned at the dataset.</summary>
        public static DicomInput Open(string path, out DicomFileHeader header, int bufferSize = DicomInput.BufferSize)
        {
            // Only regular files: a FIFO or device named *.dcm would block open/read forever (IO.RegularFile says why).
            var fs = IO.RegularFile.OpenRead(path, 1, FileOptions.SequentialScan, out var identity);
            try
            {
                var input = new DicomInput(fs, path, 0, fs.Length, false, bufferSize) { SourceIdentity = identity };
                header = ReadFileHeader(input);
                if (header.Syntax.Deflated)
                {
                    fs.Seek(header.DatasetOffset, SeekOrigin.Begin);
                    input.Dispose();
                    var inflating = DicomInput.Inflating(fs, path, header.DatasetOffset, false, bufferSize);
                    inflating.Header = header;
                    inflating.SourceIdentity = identity;
                    return inflating;
                }
                input.OwnStream();
                input.Header = header;
                return input;
            }
            catch
            {
                fs.Dispose();
                throw;
            }
        }

        /// <summary>
        /// As <see cref="Open(string, out DicomFileHeader, int)"/> over a caller's stream, from its current position (offset 0
        /// there); the stream is left open. Seekable streams skip values by seeking; others are read through.
        /// </summary>
        public static DicomInput Open(Stream stream, string? path, out DicomFileHeader header, int bufferSize = DicomInput.BufferSize)
        {
            var start = stream.CanSeek ? stream.Position : 0;
            var input = new DicomInput(stream, path, 0, stream.CanSeek ? stream.Length - start : -1, false, bufferSize);
            input.SetStreamOrigin(-start);
            try
            {
                header = ReadFileHeader(input);
            }
            catch
            {
                input.Dispose();
                throw;
            }
            if (header.Syntax.Deflated)
            {
                Stream compressed;
                if (stream.CanSeek)
                {
                    stream.Seek(start + header.DatasetOffset, SeekOrigin.Begin);
                    compressed = stream;
                }
                else
                {
                    compressed = input.DetachRemaining();
                }
                input.Dispose();
                var inflating = DicomInput.Inflating(compressed, path, header.DatasetOffset, true, bufferSize);
                inflating.Header = header;
                return inflating;
            }
            input.Header = header;
            return input;
        }

        public static DicomFileHeader ReadFileHeader(DicomInput input)
        {
            var header = new DicomFileHeader();
            if (input.Ensure(132) && input.PeekByte(128) == 'D' && input.PeekByte(129) == 'I' && input.PeekByte(130) == 'C' && input.PeekByte(131) == 'M')
            {
                header.HasPreamble = true;
                input.Advance(132);
            }
            // File Meta: explicit VR little endian, group 0002, with or without a preamble before it.
            while (input.Ensure(6) && input.PeekUInt16(0, false) == 0x0002 && VrRules.IsValidVrCode(input.PeekByte(4), input.PeekByte(5)))
            {
                TryReadHeader(input, DicomTransferSyntax.ExplicitVRLittleEndian, out var h);
                if (h.IsUndefinedLength || h.Length > MaxFileMetaValue) throw input.Error("File Meta element " + h.Tag + " has an implausible length (" + h.Length + ")", h.Offset);
                var value = input.ReadBytes(h.Length, "File Meta element ", h.Tag);
                header.Meta.Add(new KeyValuePair<ElementHeader, byte[]>(h, value));
                header.HasFileMeta = true;
                if (h.Tag == DicomTag.TransferSyntaxUid) header.TransferSyntaxUid = Encoding.ASCII.GetString(value).TrimEnd('\0', ' ');
            }
            if (header.HasPreamble && !header.HasFileMeta) throw input.Error("The file has a DICM preamble but no File Meta group");
            header.DatasetOffset = input.Position;
            if (header.HasFileMeta && HasMeta(header, DicomTag.TransferSyntaxUid))
            {
                header.Syntax = DicomTransferSyntax.FromUidLenient(header.TransferSyntaxUid);
                return header;
            }
            // No usable File Meta: guess from the first element as dcmtk does (byte order from the group, VR from bytes 4-5).
            var guessed = GuessSyntax(input);
            if (guessed == null) throw input.Error("Not a DICOM file: no DICM preamble and the first bytes are not a DICOM element", header.DatasetOffset);
            header.Syntax = guessed;
            header.TransferSyntaxUid = guessed.Uid;
            return header;
        }

        private static bool HasMeta(DicomFileHeader header, DicomTag tag)
        {
            foreach (var kv in header.Meta) if (kv.Key.Tag == tag) return true;
            return false;
        }

        /// <summary>Implicit or explicit, little or big endian, from the first element; null when it does not look like DICOM.</summary>
        internal static DicomTransferSyntax? GuessSyntax(DicomInput input)
        {
            if (!input.Ensure(8)) return null;
            var le = input.PeekUInt16(0, false);
            var beGroup = input.PeekUInt16(0, true);
            var bigEndian = (le & 0xFF) == 0 && le != 0 && beGroup < le;
            var group = bigEndian ? beGroup : le;
            var element = input.PeekUInt16(2, bigEndian);
            // A dataset starts with a low, even group (command 0000, 0008 identifying, ...).
            if ((group & 1) == 1 || group > 0x0010 && group != 0x0018 && group != 0x0020 && group != 0x0028) return null;
            var explicitVr = VrRules.IsValidVrCode(input.PeekByte(4), input.PeekByte(5)) && VrRules.IsKnown(VrRules.FromBytes(input.PeekByte(4), input.PeekByte(5)));
            if (bigEndian) return explicitVr ? DicomTransferSyntax.ExplicitVRBigEndian : null;
            if (explicitVr) return DicomTransferSyntax.ExplicitVRLittleEndian;
            var length = input.PeekUInt32(4, false);
            var tag = new DicomTag(group, element);
            if (element != 0 && !DicomDictionary.TryGetByTag(tag, out _)) return null;
            if (input.LengthKnown && length != ElementHeader.UndefinedLength && length > input.Remaining) return null;
            return DicomTransferSyntax.ImplicitVRLittleEndian;
        }
    }
}
