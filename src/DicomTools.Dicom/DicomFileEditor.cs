using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Text;
using DicomTools.Dicom.IO;

namespace DicomTools.Dicom
{
    /// <summary>
    /// Streams a Part 10 file and applies top-level edits, writing atomically. Everything not edited is copied as byte
    /// ranges (never held whole); the scan stops right after the last edited tag and the rest is one buffered copy.
    /// </summary>
    public static partial class DicomFileEditor
    {
        private const int ScanBufferSize = 16 * 1024;
        private const int CopyBufferSize = 256 * 1024;
        /// <summary>An edited element's old value is read to compare and report it only up to this size.</summary>
        private const int MaxOldValue = 1024 * 1024;


        /// <summary>Test hook: runs after the new file is complete and before it replaces the target (inject failures).</summary>
        internal static Action<string>? BeforeReplace;

        /// <summary>A top-level element found by the scan.</summary>
        private sealed class Element
        {
            public ElementHeader Header;
            public long End;
            public byte[]? Value; // read only when needed (edited, charset, group length, SOP instance UID)
            public byte[]? Replacement; // whole new element bytes (transcoding)
            public int EditIndex = -1;
            public List<NestedEdit>? Nested; // edits inside this sequence's items
            public List<Patch>? Patches; // how they are written while the sequence is copied
            public List<Rewrite>? Rewrites; // transcoded text inside this sequence, written as patches too
        }

        /// <summary>What an edit resolves to.</summary>
        private sealed class Planned
        {
            public DicomEdit Edit = null!;
            public string VR = "";
            public Element? Existing;
            public byte[]? NewValue; // null for removal
            public bool Changes;
        }

        /// <summary>
        /// Applies <paramref name="edits"/> (top-level or by path) to the file at <paramref name="path"/>, atomically: the
        /// file is replaced only when complete, and left byte-identical on any error. Values are validated per VR first.
        /// </summary>
        /// <exception cref="DicomFormatException">The file is not DICOM or is damaged (nothing is written).</exception>
        /// <exception cref="DicomValueException">A value its VR does not allow, an element that cannot be edited, a missing item.</exception>
        /// <exception cref="DicomCharacterSetException">A value the character set cannot carry, with <see cref="CharacterSetPolicy.Refuse"/>.</exception>
        public static DicomEditResult Edit(string path, IReadOnlyList<DicomEdit> edits, DicomEditOptions? options = null)
        {
            var staged = Stage(path, edits, options);
            if (staged.Replacement != null)
            {
                using (staged.Replacement) SafeFileReplacer.Commit(staged.Replacement);
            }
            return staged.Result;
        }

        /// <summary>
        /// <see cref="Edit"/> up to the durable replacement: the new version is complete in its temporary file (not flushed,
        /// not renamed) in <see cref="DicomStagedEdit.Replacement"/>, for a <see cref="GroupCommitter"/> to commit with
        /// others; null when nothing is to be written (no change, or a dry run). The result says what the commit will have done.
        /// </summary>
        /// <exception cref="DicomFormatException">The file is not DICOM or is damaged (nothing is written).</exception>
        /// <exception cref="DicomValueException">A value its VR does not allow, an element that cannot be edited, a missing item.</exception>
        /// <exception cref="DicomCharacterSetException">A value the character set cannot carry, with <see cref="CharacterSetPolicy.Refuse"/>.</exception>
        public static DicomStagedEdit Stage(string path, IReadOnlyList<DicomEdit> edits, DicomEditOptions? options = null)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            if (edits == null) throw new ArgumentNullException(nameof(edits));
            options ??= new DicomEditOptions();
            var sorted = SortEdits(edits, out var nested);

            // Pass 1: read only as far as the last edited tag (and the SOP Instance UID for the result).
            var last = DicomTags.SOPClassUID < DicomTag.SopInstanceUid ? DicomTag.SopInstanceUid : DicomTags.SOPClassUID;
            foreach (var e in sorted) if (e.Tag > last) last = e.Tag;
            foreach (var e in nested) if (e.Path.SequenceAt(0) > last) last = e.Path.SequenceAt(0);
            DicomFileHeader header;
            var elements = new List<Element>(128);
            long tailOffset;
            var input = DicomParser.Open(path, out header, ScanBufferSize);
            StagedReplacement? staged = null;
            try
            {
                var walker = new DicomWalker(input, header.Syntax) { StopAfter = last, Warning = options.Warning };
                tailOffset = Scan(walker, elements, sorted, nested, false);
                var result = Apply(path, walker, header, elements, sorted, nested, tailOffset, options, out staged);
                return new DicomStagedEdit(result, staged);
            }
            finally
            {
                // A staged replacement holds the source open until its rename is durable (see SafeFileReplacer.Stage).
                if (staged == null) input.Dispose();
            }
        }

        private static DicomEditResult Apply(string path, DicomWalker scan, DicomFileHeader header, List<Element> elements, List<DicomEdit> sorted, List<DicomEdit> nested, long tailOffset, DicomEditOptions options, out StagedReplacement? staged)
        {
            staged = null;
            RefuseDicomDir(path, header, elements);
            var charset = DicomCharacterSet.Default;
            var charsetElement = Find(elements, DicomTag.SpecificCharacterSet);
            if (charsetElement?.Value != null) charset = DicomCharacterSet.Parse(Encoding.ASCII.GetString(charsetElement.Value).TrimEnd(' ', '\0'), options.Warning);
            var ts = header.Syntax;

            // Setting (0008,0005) declares how the file's text is to be read (it does not transcode): new values follow it.
            foreach (var e in sorted)
                if (e.Tag == DicomTag.SpecificCharacterSet && !e.IsRemove) charset = DicomCharacterSet.Parse(e.Value);
            var plan = PlanEdits(path, sorted, elements, ts, charset, out var unrepresentable);
            var unrepresentableNested = PlanNested(NestedOf(elements, nested), charset, ts.BigEndian);
            var transcode = false;
            if (unrepresentable != null || unrepresentableNested != null)
            {
                var what = unrepresentable != null ? Name(unrepresentable.Edit.Tag) + " (" + unrepresentable.VR + ")" : unrepresentableNested!.Edit.Path + " (" + unrepresentableNested.VR + ")";
                var first = unrepresentable?.Edit ?? unrepresentableNested!.Edit;
                var firstVr = unrepresentable?.VR ?? unrepresentableNested!.VR;
                if (options.CharacterSetPolicy == CharacterSetPolicy.Refuse)
                    throw new DicomCharacterSetException(
                        what + ": the value cannot be represented in the file's character set '" +
                        (charset.IsDefault ? "default repertoire (no (0008,0005))" : charset.Value) + "' [rule character-repertoire; the value has " + first.Value!.Length +
                        " characters]. Allow conversion to UTF-8 (ISO_IR 192) or use only characters of that repertoire.",
                        first.Tag, firstVr);
                // Convert: the whole dataset becomes ISO_IR 192; every text element is transcoded, so a full scan is needed.
                if (!charset.IsKnown)
                    throw new DicomCharacterSetException(
                        what + ": the file's character set '" + charset.Value + "' is not one this codec can decode, so its text cannot be converted to UTF-8 safely [rule character-repertoire; the value has " +
                        first.Value!.Length + " characters]. Use only ASCII characters for this file.", first.Tag, firstVr);
                transcode = true;
                var withCharset = new List<DicomEdit>(sorted);
                withCharset.RemoveAll(e => e.Tag == DicomTag.SpecificCharacterSet);
                withCharset.Add(DicomEdit.Set(DicomTag.SpecificCharacterSet, DicomCharacterSet.Utf8Term, "CS"));
                sorted = SortEdits(withCharset, out _);
                elements.Clear();
                using (var input = DicomParser.Open(path, out header, CopyBufferSize))
                {
                    tailOffset = Scan(new DicomWalker(input, ts), elements, sorted, nested, true, charset);
                }
                charset = DicomCharacterSet.Parse(DicomCharacterSet.Utf8Term);
                plan = PlanEdits(path, sorted, elements, ts, charset, out unrepresentable);
                if (PlanNested(NestedOf(elements, nested), charset, ts.BigEndian) != null) unrepresentable ??= plan[0];
                if (unrepresentable != null) throw new InvalidOperationException("UTF-8 failed to represent a value."); // cannot happen: UTF-8 carries all text
            }

            var changes = new List<DicomTagChange>();
            var oldCharset = charsetElement?.Value != null ? DicomCharacterSet.Parse(Encoding.ASCII.GetString(charsetElement.Value).TrimEnd(' ', '\0')) : DicomCharacterSet.Default;
            string? sopInstanceUid = null;
            var sopElement = Find(elements, DicomTag.SopInstanceUid);
            if (sopElement?.Value != null) sopInstanceUid = Encoding.ASCII.GetString(sopElement.Value).TrimEnd('\0', ' ');
            foreach (var p in plan)
            {
                if (!p.Changes) continue;
                string? oldValue = null;
                if (p.Existing != null)
                    oldValue = p.Existing.Value != null ? DicomValues.Decode(p.Existing.Value, p.Existing.Header.VR, oldCharset, ts.BigEndian) : "[" + p.Existing.Header.Length + " bytes]";
                changes.Add(new DicomTagChange(p.Edit.Tag, DicomDictionary.KeywordOf(p.Edit.Tag), p.VR, oldValue, p.Edit.IsRemove ? null : p.Edit.Value));
                if (p.Edit.Tag == DicomTag.SopInstanceUid) sopInstanceUid = p.Edit.IsRemove ? null : p.Edit.Value;
            }
            foreach (var n in NestedOf(elements, nested))
            {
                if (!n.Changes) continue;
                string? oldValue = null;
                if (n.HasExisting)
                    oldValue = n.OldValue != null ? DicomValues.Decode(n.OldValue, n.Existing.VR, n.OldCharset ?? n.ItemCharset ?? oldCharset, ts.BigEndian) : "[" + n.Existing.Length + " bytes]";
                changes.Add(new DicomTagChange(n.Edit.Path, DicomDictionary.KeywordOf(n.Edit.Tag), n.VR, oldValue, n.Edit.IsRemove ? null : n.Edit.Value));
            }

            var target = options.DestinationPath ?? path;
            var written = false;
            // Before writing, make sure the part we will copy blindly is sound: a damaged file is refused, not copied.
            if (changes.Count > 0 && !transcode && scan.Stopped) ValidateRest(scan, elements.Count > 0 ? elements[elements.Count - 1].Header.Tag : default);
            if (!options.DryRun && (changes.Count > 0 || transcode))
            {
                staged = SafeFileReplacer.Stage(path, target, output => WriteEdited(path, (FileStream)output, header, elements, plan, tailOffset, options.TailCopier ?? (options.FlushToDisk ? FileRangeCopier.WriteBehind : FileRangeCopier.Default)), new SafeWriteOptions
                {
                    FlushToDisk = options.FlushToDisk,
                    OverwriteReadOnly = options.OverwriteReadOnly,
                    SweepStaleTemporaryFiles = options.SweepStaleTemporaryFiles,
                    PreparingFolder = options.PreparingFolder,
                    SourceIdentity = scan.Input.SourceIdentity,
                    Warning = options.Warning,
                    BeforeReplace = BeforeReplace,
                }, scan.Input);
                written = true;
            }
            return new DicomEditResult(path, target, sopInstanceUid, written, changes);
        }

        internal const string MediaStorageDirectoryStorage = "1.2.840.10008.1.3.10";
        private static readonly DicomTag DirectoryRecordSequence = new DicomTag(0x0004, 0x1220);

        /// <summary>
        /// A DICOMDIR's records point at each other by byte offset (0004,1200/1202/1400/1410/1420): an edit that changes
        /// any length before a record would leave those pointers aiming into the middle of other records. Such files are
        /// rebuilt by media tools (dcmmkdir), not edited here.
        /// </summary>
        private static void RefuseDicomDir(string path, DicomFileHeader header, List<Element> elements)
        {
            var isDicomDir = Find(elements, DirectoryRecordSequence) != null;
            foreach (var kv in header.Meta)
                if (kv.Key.Tag == DicomTags.MediaStorageSOPClassUID && Encoding.ASCII.GetString(kv.Value).TrimEnd('\0', ' ') == MediaStorageDirectoryStorage) isDicomDir = true;
            if (isDicomDir)
                throw new DicomValueException("'" + path + "' is a DICOMDIR: DICOMDIR files are not edited, because their record offsets (0004,1400/1410/1420/1200/1202) would break " +
                    "[rule dicomdir]. Edit the files it lists, then rebuild the DICOMDIR with your media tool (e.g. dcmmkdir).", DirectoryRecordSequence, "SQ", "dicomdir");
        }

        /// <summary>Every nested edit as located by the scan; one the scan never reached (no such sequence) is unfound.</summary>
        private static List<NestedEdit> NestedOf(List<Element> elements, List<DicomEdit> nested)
        {
            var all = new List<NestedEdit>();
            if (nested.Count == 0) return all;
            foreach (var e in elements) if (e.Nested != null) all.AddRange(e.Nested);
            foreach (var edit in nested)
            {
                var seen = false;
                foreach (var n in all) if (ReferenceEquals(n.Edit, edit)) { seen = true; break; }
                if (!seen) all.Add(new NestedEdit { Edit = edit });
            }
            return all;
        }

        private static List<DicomEdit> SortEdits(IReadOnlyList<DicomEdit> edits, out List<DicomEdit> nested)
        {
            // One edit per tag (per path): the last one given wins, as later parameters override earlier ones.
            var byTag = new SortedDictionary<uint, DicomEdit>();
            var byPath = new Dictionary<DicomTagPath, DicomEdit>();
            foreach (var e in edits)
            {
                if (e == null) throw new ArgumentException("An edit is null.", nameof(edits));
                if (e.IsNested)
                {
                    if (e.Tag.Group == 0xFFFE || e.Tag.IsGroupLength || e.Tag == DicomTag.SpecificCharacterSet || e.Tag.Group < 0x0008)
                        throw new DicomValueException(e.Path + ": item tags, group lengths and an item's character set are maintained by the codec and cannot be edited [rule not-editable].", e.Tag, e.VR ?? "", "not-editable");
                    byPath.Remove(e.Path);
                    byPath[e.Path] = e;
                    continue;
                }
                if (e.Tag.Group == 0x0002 || e.Tag.Group == 0xFFFE || e.Tag.IsGroupLength || e.Tag.Group < 0x0008)
                    throw new DicomValueException(e.Tag + ": File Meta, command, group length and item tags are maintained by the codec and cannot be edited [rule not-editable].", e.Tag, e.VR ?? "", "not-editable");
                byTag[e.Tag.Value] = e;
            }
            nested = new List<DicomEdit>(byPath.Values);
            return new List<DicomEdit>(byTag.Values);
        }

        private static Element? Find(List<Element> elements, DicomTag tag)
        {
            foreach (var e in elements) if (e.Header.Tag == tag) return e;
            return null;
        }

        private static bool IsEdited(List<DicomEdit> edits, DicomTag tag)
        {
            foreach (var e in edits) if (e.Tag == tag) return true;
            return false;
        }

        /// <summary>Walks top-level elements (sequences with every rule of the walker); stops before the first tag past the
        /// walker's <see cref="DicomWalker.StopAfter"/> (none: to the end). Returns the offset where the untouched tail starts.</summary>
        private static long Scan(DicomWalker walker, List<Element> elements, List<DicomEdit> edits, List<DicomEdit> nested, bool transcode, DicomCharacterSet? oldCharset = null)
        {
            var input = walker.Input;
            var ts = walker.Syntax;
            var budget = transcode ? new TranscodeBudget() : null;
            while (walker.Next())
            {
                var h = walker.Header;
                CheckOrder(input, elements, h);
                var e = new Element { Header = h };
                if (walker.Event == DicomWalkEvent.SequenceStart)
                {
                    var inside = EditsUnder(nested, h.Tag);
                    if (transcode)
                    {
                        // Walked once, value by value: the sequence is then copied as byte ranges with patches, never held.
                        e.Rewrites = new List<Rewrite>();
                        var located = Locate(walker, inside ?? new List<DicomEdit>(), oldCharset!, e.Rewrites, budget);
                        // Every item's text (and its own (0008,0005)) becomes UTF-8: new values follow the dataset's set.
                        foreach (var n in located) n.ItemCharset = null;
                        if (inside != null) e.Nested = located;
                    }
                    else if (inside != null)
                    {
                        e.Nested = Locate(walker, inside);
                    }
                    else
                    {
                        walker.SkipValue();
                    }
                }
                else if (transcode && VrRules.UsesCharacterSet(h.VR) && !h.IsUndefinedLength && h.Length > MaxOldValue && !IsEdited(edits, h.Tag))
                {
                    // Long: passed through an ASCII check without holding it, or held (up to the budget) if it needs converting.
                    var value = ReadTextToTranscode(walker, oldCharset!);
                    var converted = value != null ? Transcode(value, h.VR, oldCharset!) : null;
                    if (converted != null)
                    {
                        budget!.Hold(converted.Length, h, input.Path);
                        e.Replacement = DicomEncoder.Element(h.Tag, h.VR, converted, ts);
                    }
                }
                else if (!h.IsUndefinedLength && h.Length <= MaxOldValue &&
                         (IsEdited(edits, h.Tag) || h.Tag == DicomTag.SpecificCharacterSet || h.Tag.IsGroupLength || h.Tag == DicomTag.SopInstanceUid || h.Tag == DicomTags.SOPClassUID ||
                          (transcode && VrRules.UsesCharacterSet(h.VR))))
                {
                    e.Value = walker.ReadValue();
                    if (transcode && VrRules.UsesCharacterSet(h.VR) && !IsEdited(edits, h.Tag))
                    {
                        var converted = Transcode(e.Value, h.VR, oldCharset!);
                        if (converted != null)
                        {
                            budget!.Hold(converted.Length, h, input.Path);
                            e.Replacement = DicomEncoder.Element(h.Tag, h.VR, converted, ts);
                        }
                        // Only the converted bytes are needed from here on (unless the value is one the edit looks at).
                        if (h.Tag != DicomTag.SpecificCharacterSet && !h.Tag.IsGroupLength && h.Tag != DicomTag.SopInstanceUid && h.Tag != DicomTags.SOPClassUID) e.Value = null;
                    }
                }
                else
                {
                    walker.SkipValue();
                }
                e.End = input.Position;
                elements.Add(e);
            }
            // Zero padding after the last element is copied after any element the edit adds at the end.
            if (!walker.Stopped) return walker.TrailingPaddingAt >= 0 ? walker.TrailingPaddingAt : input.Position;
            CheckOrder(input, elements, walker.Header);
            return walker.Header.Offset;
        }

        private static List<DicomEdit>? EditsUnder(List<DicomEdit> nested, DicomTag sequence)
        {
            List<DicomEdit>? inside = null;
            foreach (var n in nested) if (n.Path.SequenceAt(0) == sequence) (inside ??= new List<DicomEdit>()).Add(n);
            return inside;
        }

        /// <summary>Edits are placed by tag order; a file out of order (or with a tag twice) could make an edit miss its element.</summary>
        private static void CheckOrder(DicomInput input, List<Element> elements, in ElementHeader h)
        {
            if (elements.Count > 0 && h.Tag <= elements[elements.Count - 1].Header.Tag)
                throw input.Error("Top-level element " + h.Tag + " follows " + elements[elements.Count - 1].Header.Tag + ": elements are not in ascending tag order, so the file is not edited", h.Offset);
        }

        /// <summary>Walks the rest after a stopped scan (values skipped by seeking) to the end: a damaged tail is refused, not copied.</summary>
        private static void ValidateRest(DicomWalker walker, DicomTag previous)
        {
            walker.Resume();
            do
            {
                var h = walker.Header;
                if (h.Tag <= previous)
                    throw walker.Input.Error("Top-level element " + h.Tag + " follows " + previous + ": elements are not in ascending tag order, so the file is not edited", h.Offset);
                previous = h.Tag;
                walker.SkipValue();
            }
            while (walker.Next());
        }

        /// <summary>Old-charset bytes → UTF-8 bytes (padded), or null when they are the same bytes.</summary>
        private static byte[]? Transcode(byte[] value, string vr, DicomCharacterSet oldCharset)
        {
            var pure = true;
            foreach (var b in value) if (b >= 0x80 || b == 0x1B) { pure = false; break; }
            if (pure) return null;
            var text = oldCharset.Decode(value, 0, value.Length, vr);
            var trimmed = text.TrimEnd(' ', '\0');
            var bytes = Encoding.UTF8.GetBytes(trimmed);
            if ((bytes.Length & 1) == 1) { Array.Resize(ref bytes, bytes.Length + 1); bytes[bytes.Length - 1] = (byte)' '; }
            return bytes;
        }

        private static List<Planned> PlanEdits(string path, List<DicomEdit> edits, List<Element> elements, DicomTransferSyntax ts, DicomCharacterSet charset, out Planned? unrepresentable)
        {
            unrepresentable = null;
            var plan = new List<Planned>(edits.Count);
            for (var i = 0; i < edits.Count; i++)
            {
                var edit = edits[i];
                var existing = Find(elements, edit.Tag);
                var p = new Planned { Edit = edit, Existing = existing };
                if (existing != null) existing.EditIndex = i;
                plan.Add(p);
                if (edit.IsRemove)
                {
                    p.VR = existing?.Header.VR ?? DicomDictionary.VrOf(edit.Tag) ?? "UN";
                    p.Changes = existing != null;
                    continue;
                }
                var vr = edit.VR ?? (existing != null && (ts.ExplicitVr || existing.Header.VR != "UN") ? existing.Header.VR : null) ?? DicomDictionary.VrOf(edit.Tag);
                if (vr == null || !VrRules.IsKnown(vr))
                    throw new DicomValueException(Name(edit.Tag) + ": the VR is unknown (private or unregistered tag); give the VR with the edit [rule unknown-vr].", edit.Tag, vr ?? "", "unknown-vr");
                p.VR = vr;
                if (vr == "SQ" || (existing != null && (DicomParser.IsSequence(existing.Header) || existing.Header.IsUndefinedLength)))
                    throw new DicomValueException(Name(edit.Tag) + " (" + vr + "): sequences and pixel data cannot be set from text [rule not-editable].", edit.Tag, vr, "not-editable");
                if (!VrRules.IsText(vr) && VrRules.WordSize(vr) == 1 || vr == "OW" || vr == "OF" || vr == "OD" || vr == "OL" || vr == "OV")
                    throw new DicomValueException(Name(edit.Tag) + " (" + vr + "): binary values cannot be set from text [rule binary-value; the value has " + edit.Value!.Length + " characters].", edit.Tag, vr, "binary-value");
                var encoded = DicomValues.Encode(edit.Tag, vr, edit.Value!, charset, ts.BigEndian);
                if (encoded == null)
                {
                    unrepresentable ??= p;
                    continue;
                }
                p.NewValue = encoded;
                p.Changes = existing == null || existing.Value == null || existing.Header.VR != vr && ts.ExplicitVr || !BytesEqual(existing.Value, encoded);
            }
            return plan;
        }

        private static string Name(DicomTag tag)
        {
            var keyword = DicomDictionary.KeywordOf(tag);
            return keyword.Length > 0 ? tag + " " + keyword : tag.ToString();
        }

        private static bool BytesEqual(byte[] a, byte[] b)
        {
            if (a.Length != b.Length) return false;
            for (var i = 0; i < a.Length; i++) if (a[i] != b[i]) return false;
            return true;
        }

        private static int ElementSize(DicomTag tag, string vr, int valueLength, DicomTransferSyntax ts) => DicomEncoder.HeaderLength(vr, ts, tag) + valueLength;

        private static void WriteEdited(string source, FileStream output, DicomFileHeader header, List<Element> elements, List<Planned> plan, long tailOffset, FileRangeCopier tailCopier)
        {
            var ts = header.Syntax;
            // Group lengths: the size change of each group with an edit.
            var deltas = new Dictionary<ushort, long>();
            foreach (var e in elements)
            {
                if (e.Nested == null && (e.Rewrites == null || e.Rewrites.Count == 0)) continue;
                var patches = BuildPatches(e.Nested ?? new List<NestedEdit>(), e.Rewrites, out var grown);
                if (patches.Count == 0) continue;
                e.Patches = patches;
                AddDelta(deltas, e.Header.Tag.Group, grown);
            }
            foreach (var e in elements)
            {
                if (e.Replacement != null && e.EditIndex < 0)
                    AddDelta(deltas, e.Header.Tag.Group, e.Replacement.Length - (e.End - e.Header.Offset));
            }
            foreach (var p in plan)
            {
                if (!p.Changes) continue;
                long oldSize = p.Existing != null ? p.Existing.End - p.Existing.Header.Offset : 0;
                long newSize = p.Edit.IsRemove ? 0 : ElementSize(p.Edit.Tag, p.VR, p.NewValue!.Length, ts);
                AddDelta(deltas, p.Edit.Tag.Group, newSize - oldSize);
            }

            using (var fs = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
            {
                WriteFileHeader(fs, source, output, header, plan);
                fs.Seek(header.DatasetOffset, SeekOrigin.Begin);
                var input = header.Syntax.Deflated
                    ? DicomInput.Inflating(fs, source, header.DatasetOffset, true, CopyBufferSize)
                    : new DicomInput(fs, source, header.DatasetOffset, fs.Length, false, CopyBufferSize);
                try
                {
                    WriteDataset(input, output, elements, plan, tailOffset, deltas, ts, header.Syntax.Deflated ? null : fs, tailCopier);
                }
                finally
                {
                    input.Dispose();
                }
            }
        }

        // sourceFile: the source when the input reads it as is (not inflating); its tail is then copied by file range, in the
        // kernel where the system can.
        private static void WriteDataset(DicomInput input, Stream output, List<Element> elements, List<Planned> plan, long tailOffset, Dictionary<ushort, long> deltas, DicomTransferSyntax ts, FileStream? sourceFile = null, FileRangeCopier? tailCopier = null)
        {
            Stream body = output;
            DeflateStream? deflate = null;
            if (ts.Deflated) body = deflate = new DeflateStream(output, CompressionLevel.Optimal, true);
            try
            {
                var editIndex = 0;
                foreach (var e in elements)
                {
                    // Additions go before the first existing element with a greater tag.
                    while (editIndex < plan.Count && plan[editIndex].Edit.Tag < e.Header.Tag)
                    {
                        // Copies are lazy: what is pending before this element goes out first.
                        if (IsAddition(plan[editIndex])) CopyUpTo(input, body, e.Header.Offset);
                        WriteAddition(body, plan[editIndex], ts);
                        editIndex++;
                    }
                    if (editIndex < plan.Count && plan[editIndex].Edit.Tag == e.Header.Tag)
                    {
                        var p = plan[editIndex++];
                        if (p.Changes)
                        {
                            CopyUpTo(input, body, e.Header.Offset);
                            input.Skip(e.End - input.Position, "the edited element ", e.Header.Tag);
                            if (!p.Edit.IsRemove) WriteElement(body, p.Edit.Tag, p.VR, p.NewValue!, ts);
                        }
                        continue;
                    }
                    if (e.Header.Tag.IsGroupLength && e.Value != null && e.Value.Length == 4 && deltas.TryGetValue(e.Header.Tag.Group, out var delta) && delta != 0)
                    {
                        CopyUpTo(input, body, e.Header.Offset);
                        input.Skip(e.End - input.Position, "a group length");
                        var old = DicomValues.U32(e.Value, 0, ts.BigEndian);
                        var value = new byte[4];
                        DicomEncoder.Put32(value, 0, (uint)(old + delta), ts.BigEndian);
                        WriteElement(body, e.Header.Tag, e.Header.VR, value, ts);
                        continue;
                    }
                    if (e.Replacement != null)
                    {
                        CopyUpTo(input, body, e.Header.Offset);
                        input.Skip(e.End - input.Position, "a transcoded element");
                        body.Write(e.Replacement, 0, e.Replacement.Length);
                    }
                    else if (e.Patches != null)
                    {
                        foreach (var patch in e.Patches)
                        {
                            CopyUpTo(input, body, patch.Start);
                            input.Skip(patch.End - patch.Start, "an edited element");
                            body.Write(patch.Bytes, 0, patch.Bytes.Length);
                        }
                    }
                }
                CopyUpTo(input, body, tailOffset);
                while (editIndex < plan.Count) WriteAddition(body, plan[editIndex++], ts);
                if (deflate == null && sourceFile != null && output is FileStream file) input.CopyRestOfFile(sourceFile, file, tailCopier ?? FileRangeCopier.Default);
                else input.CopyToEnd(body);
            }
            finally
            {
                deflate?.Dispose();
            }
        }

        private static void AddDelta(Dictionary<ushort, long> deltas, ushort group, long delta)
        {
            deltas.TryGetValue(group, out var d);
            deltas[group] = d + delta;
        }

        private static void CopyUpTo(DicomInput input, Stream output, long offset)
        {
            var count = offset - input.Position;
            if (count > 0) input.CopyTo(output, count, "copied data");
        }

        private static bool IsAddition(Planned p) => p.Changes && !p.Edit.IsRemove && p.Existing == null;

        private static void WriteAddition(Stream body, Planned p, DicomTransferSyntax ts)
        {
            if (IsAddition(p)) WriteElement(body, p.Edit.Tag, p.VR, p.NewValue!, ts);
        }

        private static void WriteElement(Stream s, DicomTag tag, string vr, byte[] value, DicomTransferSyntax ts)
        {
            var bytes = DicomEncoder.Element(tag, vr, value, ts);
            s.Write(bytes, 0, bytes.Length);
        }

        /// <summary>Preamble and File Meta: copied byte for byte, unless the SOP Class/Instance UID changes, which File Meta repeats.</summary>
        private static void WriteFileHeader(FileStream fs, string source, Stream output, DicomFileHeader header, List<Planned> plan)
        {
            string? newInstance = null, newClass = null;
            foreach (var p in plan)
            {
                if (!p.Changes || p.Edit.IsRemove) continue;
                if (p.Edit.Tag == DicomTag.SopInstanceUid) newInstance = p.Edit.Value;
                if (p.Edit.Tag == DicomTags.SOPClassUID) newClass = p.Edit.Value;
            }
            var rebuild = false;
            foreach (var kv in header.Meta)
            {
                if (kv.Key.Tag == DicomTags.MediaStorageSOPInstanceUID && newInstance != null || kv.Key.Tag == DicomTags.MediaStorageSOPClassUID && newClass != null) rebuild = true;
            }
            {
                var prefix = rebuild ? (header.HasPreamble ? 132 : 0) : header.DatasetOffset;
                var buffer = new byte[prefix];
                var read = 0;
                while (read < prefix)
                {
                    var n = fs.Read(buffer, read, (int)prefix - read);
                    if (n <= 0) throw new DicomFormatException("The file changed while it was being edited.", read, source);
                    read += n;
                }
                output.Write(buffer, 0, buffer.Length);
            }
            if (!rebuild) return;
            using (var meta = new MemoryStream())
            {
                byte[]? groupLengthHeader = null;
                foreach (var kv in header.Meta)
                {
                    var h = kv.Key;
                    var value = kv.Value;
                    if (h.Tag.IsGroupLength) { groupLengthHeader = value; continue; }
                    if (h.Tag == DicomTags.MediaStorageSOPInstanceUID && newInstance != null) value = DicomValues.Encode(h.Tag, "UI", newInstance, DicomCharacterSet.Default, false)!;
                    if (h.Tag == DicomTags.MediaStorageSOPClassUID && newClass != null) value = DicomValues.Encode(h.Tag, "UI", newClass, DicomCharacterSet.Default, false)!;
                    WriteElement(meta, h.Tag, h.VR, value, DicomTransferSyntax.ExplicitVRLittleEndian);
                }
                if (groupLengthHeader != null)
                {
                    var gl = new byte[4];
                    DicomEncoder.Put32(gl, 0, (uint)meta.Length, false);
                    WriteElement(output, DicomTags.FileMetaInformationGroupLength, "UL", gl, DicomTransferSyntax.ExplicitVRLittleEndian);
                }
                meta.Position = 0;
                meta.CopyTo(output);
            }
        }
    }
}
