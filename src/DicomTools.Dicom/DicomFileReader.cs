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
        /// <summary>Streams the elements of a file (File Meta first unless excluded); see <see cref="DicomReadOptions"/>.</summary>
        /// <exception cref="DicomFormatException">Not DICOM, or damaged (raised when the walk reaches the damage).</exception>
        public static IEnumerable<DicomElementInfo> ReadElements(string path, DicomReadOptions? options = null)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            return ReadElementsIterator(() => DicomParser.Open(path, out var header, 64 * 1024), path, options ?? new DicomReadOptions());
        }

        /// <summary>
        /// Streams the elements of a Part 10 file or bare dataset held in <paramref name="stream"/>, read from its current
        /// position. The stream is left open; offsets are counted from where reading started.
        /// </summary>
        /// <exception cref="DicomFormatException">Not DICOM, or damaged.</exception>
        public static IEnumerable<DicomElementInfo> ReadElements(Stream stream, DicomReadOptions? options = null)
        {
            if (stream == null) throw new ArgumentNullException(nameof(stream));
            return ReadElementsIterator(() => DicomParser.Open(stream, null, out _, 64 * 1024), null, options ?? new DicomReadOptions());
        }

        private static IEnumerable<DicomElementInfo> ReadElementsIterator(Func<DicomInput> open, string? path, DicomReadOptions options)
        {
            DicomFileHeader header;
            using (var input = OpenWithHeader(open, out header))
            {
                if (options.IncludeFileMeta)
                {
                    foreach (var kv in header.Meta)
                    {
                        var h = kv.Key;
                        if (options.Tags != null && !Contains(options.Tags, h.Tag)) continue;
                        var text = DicomValues.Decode(kv.Value, h.VR, DicomCharacterSet.Default, false);
                        yield return Info(h, 0, ValueText(kv.Value, h.VR, text, DicomCharacterSet.Default, false), text, string.Empty, kv.Value, false);
                    }
                }
                foreach (var e in ReadDataset(input, header.Syntax, options, LastTag(options.Tags))) yield return e;
            }
        }

        // Open is deferred to the first MoveNext (as before): a caller that never enumerates opens nothing.
        private static DicomInput OpenWithHeader(Func<DicomInput> open, out DicomFileHeader header)
        {
            var input = open();
            header = input.Header!;
            return input;
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

        private static DicomElementInfo Info(in ElementHeader h, int depth, string? value, string? display, string parent, byte[]? raw, bool bigEndian) =>
            new DicomElementInfo(h.Tag, DicomDictionary.KeywordOf(h.Tag), h.VR, h.IsUndefinedLength ? -1 : h.Length, h.Offset, depth, value, display, parent, raw, bigEndian);

        /// <summary>The value's text: as displayed for text VRs, every number for binary numbers, hex for up to 16 bytes, else null.</summary>
        private static string? ValueText(byte[] raw, string vr, string display, DicomCharacterSet charset, bool bigEndian)
        {
            if (VrRules.IsText(vr)) return display;
            if ((vr == "OB" || vr == "UN") && raw.Length <= 16) return display; // a few bytes as hex, as dcmdump shows them
            if (vr == "OB" || vr == "UN" || vr == "OW" || vr == "OF" || vr == "OD" || vr == "OL" || vr == "OV") return null;
            return display.EndsWith("\\...", StringComparison.Ordinal) ? DicomValues.DecodeAllNumbers(raw, vr, bigEndian) : display;
        }

        /// <summary>Values longer than this are summarised, not decoded (they are bulk data, not tags an admin reads).</summary>
        private const int MaxDecodedValue = 64 * 1024;

        private static IEnumerable<DicomElementInfo> ReadDataset(DicomInput input, DicomTransferSyntax ts, DicomReadOptions options, DicomTag? last)
        {
            var walker = new DicomWalker(input, ts) { StopAfter = last, Warning = options.Warning };
            var filter = options.Tags;
            var charset = DicomCharacterSet.Default;
            var parent = string.Empty;
            // Per open sequence: its path; per open item: the charset and parent path to restore at its end.
            var sequencePaths = new List<string>();
            var itemCharsets = new List<DicomCharacterSet>();
            var itemParents = new List<string>();
            while (walker.Next())
            {
                var h = walker.Header;
                var depth = walker.Depth;
                switch (walker.Event)
                {
                    case DicomWalkEvent.SequenceStart:
                    {
                        var wanted = depth > 0 || filter == null || Contains(filter, h.Tag);
                        if (wanted) yield return Info(h, depth, null, h.IsUndefinedLength ? "[sequence, undefined length]" : "[sequence]", parent, null, false);
                        if (options.IncludeSequences && wanted) sequencePaths.Add(parent + h.Tag);
                        else walker.SkipValue();
                        break;
                    }
                    case DicomWalkEvent.SequenceEnd:
                        sequencePaths.RemoveAt(sequencePaths.Count - 1);
                        break;
                    case DicomWalkEvent.ItemStart:
                        itemCharsets.Add(charset);
                        itemParents.Add(parent);
                        parent = sequencePaths[sequencePaths.Count - 1] + "[" + walker.ItemIndex.ToString(CultureInfo.InvariantCulture) + "]";
                        break;
                    case DicomWalkEvent.ItemEnd:
                        charset = itemCharsets[itemCharsets.Count - 1];
                        itemCharsets.RemoveAt(itemCharsets.Count - 1);
                        parent = itemParents[itemParents.Count - 1];
                        itemParents.RemoveAt(itemParents.Count - 1);
                        break;
                    default:
                    {
                        var wanted = depth > 0 || filter == null || Contains(filter, h.Tag);
                        if (walker.IsEncapsulated)
                        {
                            if (wanted) yield return Info(h, depth, null, "[encapsulated pixel data]", parent, null, false);
                            break;
                        }
                        var vr = h.VR;
                        var decodable = h.Length <= MaxDecodedValue && (VrRules.IsText(vr) || VrRules.WordSize(vr) > 1 && vr != "OW" && vr != "OF" && vr != "OD" && vr != "OL" && vr != "OV")
                                        || h.Length <= 16 && (vr == "OB" || vr == "UN");
                        var isCharset = h.Tag == DicomTag.SpecificCharacterSet;
                        if ((wanted || isCharset) && decodable)
                        {
                            var raw = walker.ReadValue();
                            var text = DicomValues.Decode(raw, vr, charset, walker.Syntax.BigEndian);
                            if (isCharset) charset = DicomCharacterSet.Parse(text, options.Warning);
                            if (wanted) yield return Info(h, depth, ValueText(raw, vr, text, charset, walker.Syntax.BigEndian), text, parent, raw, walker.Syntax.BigEndian);
                        }
                        else if (wanted && options.IncludeBinaryValues && h.Length <= MaxDecodedValue)
                        {
                            var raw = walker.ReadValue();
                            yield return Info(h, depth, null, "[" + h.Length.ToString(CultureInfo.InvariantCulture) + " bytes]", parent, raw, walker.Syntax.BigEndian);
                        }
                        else
                        {
                            walker.SkipValue();
                            if (wanted) yield return Info(h, depth, null, "[" + h.Length.ToString(CultureInfo.InvariantCulture) + " bytes]", parent, null, false);
                        }
                        break;
                    }
                }
            }
        }

        /// <summary>Key facts of a file (transfer syntax, UIDs, Patient ID), read without touching pixel data.</summary>
        /// <exception cref="DicomFormatException">Not DICOM, or damaged before the facts were found.</exception>
        public static DicomFileSummary ReadSummary(string path)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            using (var input = DicomParser.Open(path, out var header, 16 * 1024))
                return Summarise(input, header, path);
        }

        /// <summary>Key facts of the Part 10 file or bare dataset in <paramref name="stream"/> (read from its position, left open).</summary>
        /// <exception cref="DicomFormatException">Not DICOM, or damaged before the facts were found.</exception>
        public static DicomFileSummary ReadSummary(Stream stream)
        {
            if (stream == null) throw new ArgumentNullException(nameof(stream));
            using (var input = DicomParser.Open(stream, null, out var header, 16 * 1024))
                return Summarise(input, header, string.Empty);
        }

        private static DicomFileSummary Summarise(DicomInput input, DicomFileHeader header, string path)
        {
            string? sopClass = null, sopInstance = null, study = null, series = null, patient = null;
            SopIdentityFromMeta(header, ref sopClass, ref sopInstance);
            var options = new DicomReadOptions { Tags = SummaryTags };
            foreach (var e in ReadDataset(input, header.Syntax, options, DicomTags.SeriesInstanceUID))
            {
                if (e.Tag == DicomTags.SOPClassUID) sopClass = e.Value;
                else if (e.Tag == DicomTags.SOPInstanceUID) sopInstance = e.Value;
                else if (e.Tag == DicomTags.PatientID) patient = e.Value;
                else if (e.Tag == DicomTags.StudyInstanceUID) study = e.Value;
                else if (e.Tag == DicomTags.SeriesInstanceUID) series = e.Value;
            }
            return new DicomFileSummary(path, header.TransferSyntaxUid, header.HasPreamble, sopClass, sopInstance, study, series, patient);
        }

        /// <summary>
        /// The SOP class and instance File Meta names ((0002,0002), (0002,0003)); the data set's own (0008,0016) and
        /// (0008,0018), read after, win over them.
        /// </summary>
        internal static void SopIdentityFromMeta(DicomFileHeader header, ref string? sopClass, ref string? sopInstance)
        {
            foreach (var kv in header.Meta)
            {
                if (kv.Key.Tag == DicomTags.MediaStorageSOPClassUID) sopClass = Encoding.ASCII.GetString(kv.Value).TrimEnd('\0', ' ');
                else if (kv.Key.Tag == DicomTags.MediaStorageSOPInstanceUID) sopInstance = Encoding.ASCII.GetString(kv.Value).TrimEnd('\0', ' ');
            }
        }

        private static readonly DicomTag[] SummaryTags = { DicomTags.SOPClassUID, DicomTags.SOPInstanceUID, DicomTags.PatientID, DicomTags.StudyInstanceUID, DicomTags.SeriesInstanceUID };

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
                    if (input.Ensure(6) && input.PeekUInt16(0, false) == 0x0002 && VrRules.IsValidVrCode(input.PeekByte(4), input.PeekByte(5)))
                        return true;
                    return DicomParser.GuessSyntax(input) != null;
                }
            }
            catch (IOException) { return false; }
            catch (UnauthorizedAccessException) { return false; }
        }
    }
}
