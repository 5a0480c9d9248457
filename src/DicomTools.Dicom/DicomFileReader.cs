using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace DicomTools.Dicom
{
    /// <summary>Reads elements and key facts from Part 10 files (and preamble-less datasets) as a stream.</summary>
    public static class DicomFileReader
    {
        /// <summary>Values longer than this are summarised, not decoded (they are bulk data, not tags an admin reads).</summary>
        private const int MaxDecodedValue = 64 * 1024;

        private static readonly DicomTag SopClassUid = new DicomTag(0x0008, 0x0016);
        private static readonly DicomTag StudyInstanceUid = new DicomTag(0x0020, 0x000D);
        private static readonly DicomTag SeriesInstanceUid = new DicomTag(0x0020, 0x000E);
        private static readonly DicomTag PatientId = new DicomTag(0x0010, 0x0020);

        public static IEnumerable<DicomElementInfo> ReadElements(string path, DicomReadOptions? options = null)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            return ReadElementsIterator(path, options ?? new DicomReadOptions());
        }

        private static IEnumerable<DicomElementInfo> ReadElementsIterator(string path, DicomReadOptions options)
        {
            using (var input = DicomParser.Open(path, out var header, 64 * 1024))
            {
                if (options.IncludeFileMeta)
                {
                    foreach (var kv in header.Meta)
                    {
                        var h = kv.Key;
                        if (options.Tags != null && !Contains(options.Tags, h.Tag)) continue;
                        yield return Info(h, 0, DicomValues.Decode(kv.Value, h.VR, DicomCharacterSet.Default, false), string.Empty);
                    }
                }
                var last = LastTag(options.Tags);
                var state = new ReadState(options, last);
                foreach (var e in ReadDataset(input, header.Syntax, -1, 0, string.Empty, DicomCharacterSet.Default, state))
                    yield return e;
            }
        }

        private sealed class ReadState
        {
            public ReadState(DicomReadOptions options, DicomTag? last) { Options = options; Last = last; }
            public readonly DicomReadOptions Options;
            public readonly DicomTag? Last;
            public bool Done;
        }

        private static DicomTag? LastTag(IReadOnlyCollection<DicomTag>? tags)
        {
            if (tags == null) return null;
            DicomTag? max = null;
            foreach (var t in tags) if (max == null || t > max.Value) max = t;
            return max ?? new DicomTag(0, 0);
        }

        private static bool Contains(IReadOnlyCollection<DicomTag> tags, DicomTag tag)
        {
            foreach (var t in tags) if (t == tag) return true;
            return false;
        }

        private static DicomElementInfo Info(in ElementHeader h, int depth, string? value, string parent) =>
            new DicomElementInfo(h.Tag, DicomDictionary.KeywordOf(h.Tag), h.VR, h.IsUndefinedLength ? -1 : h.Length, h.Offset, depth, value, parent);

        private static IEnumerable<DicomElementInfo> ReadDataset(DicomInput input, TransferSyntax ts, long end, int depth, string parent, DicomCharacterSet charset, ReadState state)
        {
            var filter = depth == 0 ? state.Options.Tags : null;
            while (true)
            {
                if (end >= 0 && input.Position >= end) break;
                if (!DicomParser.TryReadHeader(input, ts, out var h))
                {
                    if (depth == 0) break;
                    throw input.Error("The file ends inside a sequence item (truncated)");
                }
                if (h.Tag == DicomTag.ItemDelimitation && depth > 0)
                {
                    if (end < 0) break;
                    continue;
                }
                if (depth == 0 && state.Last != null && h.Tag > state.Last.Value) { state.Done = true; break; }
                if (end >= 0 && !h.IsUndefinedLength && h.End > end) throw input.Error("Element " + h.Tag + " length (" + h.Length + ") runs past the end of its item", h.Offset);
                if (!h.IsUndefinedLength && input.LengthKnown && h.Length > input.Remaining)
                    throw input.Error("The length of " + h.Tag + " (" + h.Length + " bytes) runs past the end of the file (" + input.Remaining + " bytes left)", h.Offset);
                var wanted = filter == null || Contains(filter, h.Tag);

                if (DicomParser.IsSequence(h))
                {
                    if (wanted) yield return Info(h, depth, h.IsUndefinedLength ? "[sequence, undefined length]" : "[sequence]", parent);
                    if (state.Options.IncludeSequences && wanted)
                    {
                        foreach (var e in ReadItems(input, DicomParser.ItemSyntax(h, ts), h, depth + 1, parent + h.Tag, charset, state)) yield return e;
                    }
                    else
                    {
                        DicomParser.SkipItems(input, DicomParser.ItemSyntax(h, ts), h, depth + 1);
                    }
                    continue;
                }
                if (DicomParser.IsEncapsulatedPixelData(h))
                {
                    if (wanted) yield return Info(h, depth, "[encapsulated pixel data]", parent);
                    DicomParser.SkipValue(input, ts, h, depth);
                    continue;
                }
                if (h.IsUndefinedLength) throw input.Error("Element " + h.Tag + " (" + h.VR + ") has an undefined length, which only sequences and encapsulated pixel data may have", h.Offset);
                var decodable = h.Length <= MaxDecodedValue && (DicomVr.IsText(h.VR) || DicomVr.WordSize(h.VR) > 1 && h.VR != "OW" && h.VR != "OF" && h.VR != "OD" && h.VR != "OL" && h.VR != "OV")
                                || h.Length <= 16 && (h.VR == "OB" || h.VR == "UN");
                var isCharset = h.Tag == DicomTag.SpecificCharacterSet;
                if ((wanted || isCharset) && decodable)
                {
                    var raw = input.ReadBytes(h.Length, "the value of ", h.Tag);
                    var text = DicomValues.Decode(raw, h.VR, charset, ts.BigEndian);
                    if (isCharset) charset = DicomCharacterSet.Parse(text);
                    if (wanted) yield return Info(h, depth, text, parent);
                }
                else
                {
                    input.Skip(h.Length, "the value of ", h.Tag);
                    if (wanted) yield return Info(h, depth, "[" + h.Length.ToString(CultureInfo.InvariantCulture) + " bytes]", parent);
                }
            }
        }

        private static IEnumerable<DicomElementInfo> ReadItems(DicomInput input, TransferSyntax ts, ElementHeader seq, int depth, string path, DicomCharacterSet charset, ReadState state)
        {
            if (depth > DicomParser.MaxDepth) throw input.Error("Sequences are nested deeper than " + DicomParser.MaxDepth + " levels", seq.Offset);
            var end = seq.IsUndefinedLength ? long.MaxValue : seq.End;
            var index = 0;
            while (input.Position < end)
            {
                if (!DicomParser.TryReadHeader(input, ts, out var item))
                {
                    if (seq.IsUndefinedLength) throw input.Error("The file ends inside sequence " + seq.Tag + " (truncated)");
                    break;
                }
                if (item.Tag == DicomTag.SequenceDelimitation) break;
                if (item.Tag != DicomTag.Item) throw input.Error("Expected an item in sequence " + seq.Tag + ", found " + item.Tag, item.Offset);
                if (!item.IsUndefinedLength && item.End > end) throw input.Error("Item length (" + item.Length + ") runs past the end of sequence " + seq.Tag, item.Offset);
                var itemPath = path + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";
                foreach (var e in ReadDataset(input, ts, item.IsUndefinedLength ? -1 : item.End, depth, itemPath, charset, state)) yield return e;
                index++;
            }
        }

        public static DicomFileSummary ReadSummary(string path)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            using (var input = DicomParser.Open(path, out var header, 16 * 1024))
            {
                string? sopClass = null, sopInstance = null, study = null, series = null, patient = null;
                foreach (var kv in header.Meta)
                {
                    var v = Encoding.ASCII.GetString(kv.Value).TrimEnd('\0', ' ');
                    if (kv.Key.Tag == new DicomTag(0x0002, 0x0002)) sopClass = v;
                    if (kv.Key.Tag == new DicomTag(0x0002, 0x0003)) sopInstance = v;
                }
                var options = new DicomReadOptions { Tags = new[] { SopClassUid, DicomTag.SopInstanceUid, PatientId, StudyInstanceUid, SeriesInstanceUid } };
                var state = new ReadState(options, SeriesInstanceUid);
                foreach (var e in ReadDataset(input, header.Syntax, -1, 0, string.Empty, DicomCharacterSet.Default, state))
                {
                    if (e.Tag == SopClassUid) sopClass = e.Value;
                    else if (e.Tag == DicomTag.SopInstanceUid) sopInstance = e.Value;
                    else if (e.Tag == PatientId) patient = e.Value;
                    else if (e.Tag == StudyInstanceUid) study = e.Value;
                    else if (e.Tag == SeriesInstanceUid) series = e.Value;
                }
                return new DicomFileSummary(path, header.TransferSyntaxUid, header.HasPreamble, sopClass, sopInstance, study, series, patient);
            }
        }

        /// <summary>Cheap check: a Part 10 preamble+DICM, or a plausible preamble-less dataset (as dcmtk detects).</summary>
        public static bool LooksLikeDicom(string path)
        {
            try
            {
                using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1))
                using (var input = new DicomInput(fs, path, 0, fs.Length, false, 512))
                {
                    if (input.Ensure(132) && input.PeekByte(128) == 'D' && input.PeekByte(129) == 'I' && input.PeekByte(130) == 'C' && input.PeekByte(131) == 'M')
                        return true;
                    if (input.Ensure(6) && input.PeekUInt16(0, false) == 0x0002 && DicomVr.IsValidVrCode(input.PeekByte(4), input.PeekByte(5)))
                        return true;
                    return DicomParser.GuessSyntax(input) != null;
                }
            }
            catch (IOException) { return false; }
            catch (UnauthorizedAccessException) { return false; }
        }
    }
}
