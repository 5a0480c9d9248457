using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace DicomTools.Dicom
{
    /// <summary>
    /// Edits inside sequence items, by <see cref="DicomTagPath"/>. The scan walks only the items on an edit's path and
    /// notes where the element is (or where it goes) and the headers of the enclosing sequences and items; the write
    /// then copies the sequence as byte ranges with a few patches: the new element, and each defined length around it
    /// grown or shrunk by the change. Nothing of the sequence is held in memory.
    /// </summary>
    public static partial class DicomFileEditor
    {
        /// <summary>A sequence or item header around a nested edit, and the syntax it is written in.</summary>
        private struct Container
        {
            public ElementHeader Header;
            public DicomTransferSyntax Syntax;
        }

        /// <summary>A nested edit as found by the scan, then planned.</summary>
        private sealed class NestedEdit
        {
            public DicomEdit Edit = null!;
            public bool ItemFound;
            public ElementHeader Existing;
            public bool HasExisting;
            public long ExistingEnd;
            public byte[]? OldValue;
            public long InsertAt = -1;
            public DicomCharacterSet? ItemCharset;
            public DicomCharacterSet? OldCharset; // what the old value's bytes were written in (transcoding)
            public Container[] Containers = Array.Empty<Container>();
            public DicomTransferSyntax Syntax = DicomTransferSyntax.ExplicitVRLittleEndian;
            // Plan
            public string VR = "";
            public byte[]? NewValue;
            public bool Changes;
        }

        /// <summary>An element of a sequence rewritten whole (transcoded text, an item's (0008,0005)), and the containers around it.</summary>
        private sealed class Rewrite
        {
            public long Start, End;
            public byte[] Bytes = Array.Empty<byte>();
            public Container[] Containers = Array.Empty<Container>();
        }

        private sealed class Patch
        {
            public long Start, End;
            public byte[] Bytes = Array.Empty<byte>();
            public uint Order;
        }

        private static bool MatchesItem(DicomTagPath path, List<DicomTag> sequences, List<int> items, int levels)
        {
            if (path.Depth < levels) return false;
            for (var l = 0; l < levels; l++)
                if (path.SequenceAt(l) != sequences[l] || path.ItemAt(l) != items[l]) return false;
            return true;
        }

        /// <summary>
        /// Walks the sequence the walker is at (with every rule of the walker) and locates the nested edits under it.
        /// Only the items on an edit's path are entered; the rest is passed as the walker passes any sequence.
        /// </summary>
        /// <remarks>
        /// With <paramref name="transcodeFrom"/> (the dataset's character set before a conversion to UTF-8), every item is
        /// entered and each text element whose bytes are not ASCII becomes a <see cref="Rewrite"/> in UTF-8, decoded with
        /// the nearest (0008,0005) of its own item or of an enclosing one; an item's own (0008,0005) becomes ISO_IR 192.
        /// Values are read one at a time, so memory stays bounded by the largest text value we accept to transcode.
        /// </remarks>
        private static List<NestedEdit> Locate(DicomWalker walker, List<DicomEdit> edits, DicomCharacterSet? transcodeFrom = null, List<Rewrite>? rewrites = null, TranscodeBudget? budget = null)
        {
            var found = new List<NestedEdit>(edits.Count);
            foreach (var e in edits) found.Add(new NestedEdit { Edit = e });
            var sequences = new List<DicomTag> { walker.Header.Tag };
            var items = new List<int>();
            var containers = new List<Container> { new Container { Header = walker.Header, Syntax = walker.HeaderSyntax } };
            var charsets = new List<DicomCharacterSet?>();
            while (walker.Next())
            {
                var h = walker.Header;
                switch (walker.Event)
                {
                    case DicomWalkEvent.ItemStart:
                    {
                        items.Add(walker.ItemIndex);
                        var wanted = false;
                        foreach (var n in found) if (MatchesItem(n.Edit.Path, sequences, items, items.Count)) { wanted = true; n.ItemFound |= n.Edit.Path.Depth == items.Count; }
                        if (!wanted && transcodeFrom == null)
                        {
                            walker.SkipValue();
                            items.RemoveAt(items.Count - 1);
                            break;
                        }
                        containers.Add(new Container { Header = h, Syntax = walker.Syntax });
                        charsets.Add(null);
                        break;
                    }
                    case DicomWalkEvent.ItemEnd:
                        foreach (var n in found)
                            if (n.Edit.Path.Depth == items.Count && MatchesItem(n.Edit.Path, sequences, items, items.Count) && !n.HasExisting && n.InsertAt < 0)
                                Place(n, walker.ItemContentEnd, containers, charsets, walker.Syntax);
                        items.RemoveAt(items.Count - 1);
                        containers.RemoveAt(containers.Count - 1);
                        charsets.RemoveAt(charsets.Count - 1);
                        break;
                    case DicomWalkEvent.SequenceEnd:
                        sequences.RemoveAt(sequences.Count - 1);
                        containers.RemoveAt(containers.Count - 1);
                        if (sequences.Count == 0) return found;
                        break;
                    case DicomWalkEvent.SequenceStart:
                    {
                        BeforeElement(found, h, sequences, items, containers, charsets, walker);
                        var wanted = false;
                        foreach (var n in found)
                            if (n.Edit.Path.Depth > items.Count && MatchesItem(n.Edit.Path, sequences, items, items.Count) && n.Edit.Path.SequenceAt(items.Count) == h.Tag) wanted = true;
                        if (!wanted && transcodeFrom == null) { walker.SkipValue(); break; }
                        sequences.Add(h.Tag);
                        containers.Add(new Container { Header = h, Syntax = walker.HeaderSyntax });
                        break;
                    }
                    default:
                    {
                        BeforeElement(found, h, sequences, items, containers, charsets, walker);
                        if (h.Tag == DicomTag.SpecificCharacterSet && !h.IsUndefinedLength && h.Length <= 1024 && charsets.Count > 0)
                        {
                            var own = DicomCharacterSet.Parse(Encoding.ASCII.GetString(walker.ReadValue()).TrimEnd(' ', '\0'));
                            charsets[charsets.Count - 1] = own;
                            if (transcodeFrom != null && !own.IsUtf8)
                            {
                                if (!own.IsKnown)
                                    throw new DicomCharacterSetException("An item of " + sequences[0] + " declares the character set '" + own.Value +
                                        "', which this codec cannot decode, so its text cannot be converted to UTF-8 safely [rule character-repertoire]. Use only ASCII characters for this file.", h.Tag, h.VR);
                                var utf8 = DicomEncoder.Element(h.Tag, h.VR, Encoding.ASCII.GetBytes(DicomCharacterSet.Utf8Term), walker.Syntax);
                                rewrites!.Add(new Rewrite { Start = h.Offset, End = walker.Input.Position, Bytes = utf8, Containers = containers.ToArray() });
                            }
                            break;
                        }
                        if (transcodeFrom != null && VrRules.UsesCharacterSet(h.VR) && !walker.IsEncapsulated)
                        {
                            var from = Nearest(charsets) ?? transcodeFrom;
                            var value = ReadTextToTranscode(walker, from);
                            if (value != null)
                            {
                                var converted = Transcode(value, h.VR, from);
                                foreach (var n in found)
                                {
                                    if (n.Edit.Tag != h.Tag || n.Edit.Path.Depth != items.Count || !MatchesItem(n.Edit.Path, sequences, items, items.Count)) continue;
                                    n.HasExisting = true;
                                    n.Existing = h;
                                    n.OldValue = value;
                                    n.ExistingEnd = walker.Input.Position;
                                    Place(n, h.Offset, containers, charsets, walker.Syntax);
                                    n.OldCharset = from;
                                }
                                if (converted != null) budget!.Hold(converted.Length, h, walker.Input.Path);
                                if (converted != null)
                                    rewrites!.Add(new Rewrite { Start = h.Offset, End = walker.Input.Position, Bytes = DicomEncoder.Element(h.Tag, h.VR, converted, walker.Syntax), Containers = containers.ToArray() });
                                break;
                            }
                        }
                        foreach (var n in found)
                        {
                            if (n.Edit.Tag != h.Tag || n.Edit.Path.Depth != items.Count || !MatchesItem(n.Edit.Path, sequences, items, items.Count)) continue;
                            n.HasExisting = true;
                            n.Existing = h;
                            if (!h.IsUndefinedLength && h.Length <= MaxOldValue) n.OldValue = walker.ReadValue();
                            else walker.SkipValue();
                            n.ExistingEnd = walker.Input.Position;
                            Place(n, h.Offset, containers, charsets, walker.Syntax);
                            n.OldCharset = Nearest(charsets) ?? transcodeFrom;
                        }
                        break;
                    }
                }
            }
            return found;
        }

        /// <summary>The innermost item's own character set, or an enclosing item's (PS3.5 §7.5.1: items inherit it).</summary>
        private static DicomCharacterSet? Nearest(List<DicomCharacterSet?> charsets)
        {
            for (var i = charsets.Count - 1; i >= 0; i--) if (charsets[i] != null) return charsets[i];
            return null;
        }

        /// <summary>Text values we hold to transcode. A longer one is streamed through an ASCII check and refused only if it needs conversion.</summary>
        internal const int MaxTranscodedValue = 4 * 1024 * 1024;

        /// <summary>The value's bytes when it must be looked at to transcode it; null when it was passed (ASCII only, streamed).</summary>
        private static byte[]? ReadTextToTranscode(DicomWalker walker, DicomCharacterSet from)
        {
            var h = walker.Header;
            if (h.IsUndefinedLength) return null;
            if (h.Length <= MaxTranscodedValue) return walker.ReadValue();
            var check = new AsciiCheck();
            walker.CopyValue(check);
            if (check.NeedsConversion)
                throw new DicomCharacterSetException(h.Tag + " (" + h.VR + "): a " + h.Length + "-byte text value in '" + (from.IsDefault ? "default repertoire" : from.Value) +
                    "' would have to be converted to UTF-8, and values over " + MaxTranscodedValue + " bytes are not converted in memory [rule transcode-size]. Use only characters of the file's repertoire.", h.Tag, h.VR);
            return null;
        }

        /// <summary>
        /// What a conversion to UTF-8 holds at once (old values read and their converted bytes, until written). Bounded so
        /// that a file made of many non-ASCII text values cannot make the edit take memory in proportion to its size.
        /// </summary>
        private sealed class TranscodeBudget
        {
            internal const long Max = 32L * 1024 * 1024;
            private long _held;

            public void Hold(long bytes, in ElementHeader h, string? path)
            {
                _held += bytes;
                if (_held > Max)
                    throw new DicomCharacterSetException(h.Tag + " (" + h.VR + "): converting this file's text to UTF-8 would hold more than " + Max / (1024 * 1024) +
                        " MiB of text values in memory [rule transcode-size]" + (path != null ? " in '" + path + "'" : "") + ". Use only characters of the file's repertoire.", h.Tag, h.VR);
            }

        }

        /// <summary>A sink that only notes whether any byte would need transcoding (8-bit or ESC).</summary>
        private sealed class AsciiCheck : Stream
        {
            public bool NeedsConversion;
            public override void Write(byte[] buffer, int offset, int count)
            {
                if (NeedsConversion) return;
                for (var i = offset; i < offset + count; i++) if (buffer[i] >= 0x80 || buffer[i] == 0x1B) { NeedsConversion = true; return; }
            }
            public override bool CanRead => false;
            public override bool CanSeek => false;
            public override bool CanWrite => true;
            public override long Length => 0;
            public override long Position { get => 0; set { } }
            public override void Flush() { }
            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
        }

        /// <summary>An element (or sequence) of the current item: an absent edited element goes before the first greater tag.</summary>
        private static void BeforeElement(List<NestedEdit> found, in ElementHeader h, List<DicomTag> sequences, List<int> items, List<Container> containers, List<DicomCharacterSet?> charsets, DicomWalker walker)
        {
            foreach (var n in found)
            {
                if (n.Edit.Path.Depth != items.Count || !MatchesItem(n.Edit.Path, sequences, items, items.Count)) continue;
                if (n.Edit.Tag == h.Tag && walker.Event == DicomWalkEvent.SequenceStart)
                    throw new DicomValueException(n.Edit.Path + ": it is a sequence; only elements with a value can be set [rule not-editable].", n.Edit.Tag, h.VR, "not-editable");
                if (n.Edit.Tag < h.Tag && !n.HasExisting && n.InsertAt < 0) Place(n, h.Offset, containers, charsets, walker.Syntax);
            }
        }

        private static void Place(NestedEdit n, long at, List<Container> containers, List<DicomCharacterSet?> charsets, DicomTransferSyntax syntax)
        {
            if (!n.HasExisting) n.InsertAt = at;
            n.ItemFound = true;
            n.Containers = containers.ToArray();
            n.ItemCharset = Nearest(charsets);
            n.Syntax = syntax;
        }

        /// <summary>Validates and encodes nested edits; returns the first whose value the item's character set cannot carry.</summary>
        private static NestedEdit? PlanNested(IEnumerable<NestedEdit> nested, DicomCharacterSet charset, bool bigEndian)
        {
            NestedEdit? unrepresentable = null;
            foreach (var n in nested)
            {
                var edit = n.Edit;
                if (!n.ItemFound)
                    throw new DicomValueException(edit.Path + ": the item does not exist (an edit by path changes elements of existing items only) [rule item-missing].", edit.Tag, edit.VR ?? "", "item-missing");
                if (edit.IsRemove)
                {
                    n.VR = n.HasExisting ? n.Existing.VR : DicomDictionary.VrOf(edit.Tag) ?? "UN";
                    n.Changes = n.HasExisting;
                    continue;
                }
                var vr = edit.VR ?? (n.HasExisting && (n.Syntax.ExplicitVr || n.Existing.VR != "UN") ? n.Existing.VR : null) ?? DicomDictionary.VrOf(edit.Tag);
                if (vr == null || !VrRules.IsKnown(vr))
                    throw new DicomValueException(edit.Path + ": the VR is unknown (private or unregistered tag); give the VR with the edit [rule unknown-vr].", edit.Tag, vr ?? "", "unknown-vr");
                n.VR = vr;
                if (vr == "SQ" || n.HasExisting && n.Existing.IsUndefinedLength)
                    throw new DicomValueException(edit.Path + " (" + vr + "): sequences and pixel data cannot be set from text [rule not-editable].", edit.Tag, vr, "not-editable");
                if (!VrRules.IsText(vr) && VrRules.WordSize(vr) == 1 || vr == "OW" || vr == "OF" || vr == "OD" || vr == "OL" || vr == "OV")
                    throw new DicomValueException(edit.Path + " (" + vr + "): binary values cannot be set from text [rule binary-value; the value has " + edit.Value!.Length + " characters].", edit.Tag, vr, "binary-value");
                var own = n.ItemCharset;
                var encoded = DicomValues.Encode(edit.Tag, vr, edit.Value!, own ?? charset, bigEndian);
                if (encoded == null)
                {
                    // The item's own set (or the dataset's) cannot carry it: the policy decides, and a conversion to UTF-8
                    // converts every item's text and its own (0008,0005) too.
                    unrepresentable ??= n;
                    continue;
                }
                n.NewValue = encoded;
                n.Changes = !n.HasExisting || n.OldValue == null || n.Existing.VR != vr && n.Syntax.ExplicitVr || !BytesEqual(n.OldValue, encoded);
            }
            return unrepresentable;
        }

        /// <summary>The patches that apply a sequence's nested edits, in stream order; <paramref name="delta"/> is the size change.</summary>
        private static List<Patch> BuildPatches(List<NestedEdit> nested, List<Rewrite>? rewrites, out long delta)
        {
            var patches = new List<Patch>();
            var grown = new Dictionary<long, KeyValuePair<Container, long>>();
            delta = 0;
            if (rewrites != null)
            {
                foreach (var r in rewrites)
                {
                    // An element an edit changes is written by the edit (in UTF-8 already).
                    var edited = false;
                    foreach (var n in nested) if (n.Changes && n.HasExisting && n.Existing.Offset == r.Start) { edited = true; break; }
                    if (edited) continue;
                    patches.Add(new Patch { Start = r.Start, End = r.End, Bytes = r.Bytes });
                    var d = r.Bytes.Length - (r.End - r.Start);
                    delta += d;
                    foreach (var c in r.Containers)
                    {
                        if (c.Header.IsUndefinedLength) continue;
                        grown.TryGetValue(c.Header.Offset, out var sofar);
                        grown[c.Header.Offset] = new KeyValuePair<Container, long>(c, sofar.Value + d);
                    }
                }
            }
            foreach (var n in nested)
            {
                if (!n.Changes) continue;
                var bytes = n.Edit.IsRemove ? Array.Empty<byte>() : DicomEncoder.Element(n.Edit.Tag, n.VR, n.NewValue!, n.Syntax);
                var start = n.HasExisting ? n.Existing.Offset : n.InsertAt;
                var end = n.HasExisting ? n.ExistingEnd : n.InsertAt;
                patches.Add(new Patch { Start = start, End = end, Bytes = bytes, Order = n.Edit.Tag.Value });
                var d = bytes.Length - (end - start);
                delta += d;
                foreach (var c in n.Containers)
                {
                    if (c.Header.IsUndefinedLength) continue;
                    grown.TryGetValue(c.Header.Offset, out var sofar);
                    grown[c.Header.Offset] = new KeyValuePair<Container, long>(c, sofar.Value + d);
                }
            }
            foreach (var g in grown.Values)
            {
                if (g.Value == 0) continue;
                var h = g.Key.Header;
                var length = h.Length + g.Value;
                if (length < 0 || length >= ElementHeader.UndefinedLength)
                    throw new DicomValueException(h.Tag + ": the edited sequence would exceed the 4 GiB a defined length can hold [rule max-length].", h.Tag, h.VR, "max-length");
                var header = new byte[12];
                var n = DicomEncoder.WriteHeader(header, 0, h.Tag, h.VR, (uint)length, g.Key.Syntax);
                Array.Resize(ref header, n);
                patches.Add(new Patch { Start = h.Offset, End = h.Offset + h.HeaderLength, Bytes = header });
            }
            patches.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.End != b.End ? a.End.CompareTo(b.End) : a.Order.CompareTo(b.Order));
            return patches;
        }
    }
}
