using System.IO;

namespace DicomTools.Dicom
{
    /// <summary>What the walker found at its current position.</summary>
    internal enum DicomWalkEvent
    {
        /// <summary>An element with a value (or encapsulated pixel data); the value is skipped unless read or copied.</summary>
        Element,
        /// <summary>A sequence header (SQ, or undefined-length UN); its items follow, or <see cref="DicomWalker.SkipValue"/> passes them.</summary>
        SequenceStart,
        /// <summary>An item header inside a sequence.</summary>
        ItemStart,
        /// <summary>The end of an item (its length reached, or its delimiter).</summary>
        ItemEnd,
        /// <summary>The end of a sequence (its length reached, or its delimiter).</summary>
        SequenceEnd,
    }

    /// <summary>
    /// The one element walk of the codec: the reader, the editor and structure checks all go through it, so one rule
    /// set decides what is damage. Pull-style: <see cref="Next"/> moves to the next element, sequence or item boundary.
    /// <para>Rules: a value's length must fit its item, its sequence and what the stream still holds; only sequences and
    /// encapsulated pixel data may have an undefined length; a sequence holds only items (a sequence delimiter only in
    /// an undefined-length one); an item delimiter ends an undefined-length item and is tolerated inside a defined-length
    /// one (as dcmtk does); any other (FFFE,xxxx) tag in a dataset is damage, at the top level too; nesting is limited
    /// to <see cref="MaxDepth"/>; a stream that ends inside a sequence, an item or an element is truncated.</para>
    /// No allocation per element: frames live in a reused array.
    /// </summary>
    internal sealed class DicomWalker
    {
        public const int MaxDepth = 64;

        private struct Frame
        {
            public bool IsItem;
            public long End; // -1: undefined length
            public DicomTransferSyntax Syntax;
            public DicomTag Tag; // the sequence's tag (items: their sequence's)
            public long Offset; // the sequence's or item's header offset
            public int NextIndex; // sequences: index of the next item
        }

        private readonly DicomTransferSyntax _root;
        private Frame[] _frames = new Frame[8];
        private int _count;
        private bool _valuePending;
        private ElementHeader _header;

        public DicomWalker(DicomInput input, DicomTransferSyntax syntax)
        {
            Input = input;
            _root = syntax;
        }

        public DicomInput Input { get; }

        /// <summary>The syntax of the current content (undefined-length UN items are implicit VR little endian).</summary>
        public DicomTransferSyntax Syntax => _count == 0 ? _root : _frames[_count - 1].Syntax;

        public DicomWalkEvent Event { get; private set; }

        /// <summary>
        /// The syntax the current header was written in: for a sequence start, that of the dataset holding it (an
        /// undefined-length UN is itself explicit, its items implicit); otherwise <see cref="Syntax"/>.
        /// </summary>
        public DicomTransferSyntax HeaderSyntax =>
            Event == DicomWalkEvent.SequenceStart ? (_count >= 2 ? _frames[_count - 2].Syntax : _root) : Syntax;

        /// <summary>The header of the current element, sequence or item (for ends: of the sequence or item that ends).</summary>
        public ElementHeader Header => _header;

        /// <summary>Number of open items: 0 for top-level elements and sequences, 1 inside the items of a top-level sequence.</summary>
        public int Depth { get; private set; }

        /// <summary>For <see cref="DicomWalkEvent.ItemEnd"/>: where the item's content ends (its delimiter, or its length's end).</summary>
        public long ItemContentEnd { get; private set; }

        /// <summary>For <see cref="DicomWalkEvent.ItemStart"/>: the item's index in its sequence.</summary>
        public int ItemIndex { get; private set; }

        /// <summary>
        /// When set, <see cref="Next"/> stops (returns false, <see cref="Stopped"/> true) at the first top-level tag after
        /// it, having read only that header: a reader that wants a few tags never looks further.
        /// </summary>
        public DicomTag? StopAfter { get; set; }

        /// <summary>True when <see cref="Next"/> returned false at <see cref="StopAfter"/>; <see cref="Header"/> is the unread element.</summary>
        public bool Stopped { get; private set; }

        /// <summary>True when the current element is encapsulated pixel data (its value is fragment items).</summary>
        public bool IsEncapsulated => Event == DicomWalkEvent.Element && DicomParser.IsEncapsulatedPixelData(_header);

        /// <summary>Moves on; false at the clean end of the dataset (or at <see cref="StopAfter"/>).</summary>
        /// <summary>Told what was odd but readable (a blank VR, zero padding after the last element); null ignores it.</summary>
        public System.Action<string>? Warning { get; set; }

        /// <summary>Where zero padding after the last top-level element starts (the dataset ends there), or -1.</summary>
        public long TrailingPaddingAt { get; private set; } = -1;

        public bool Next()
        {
            if (_valuePending) SkipPendingValue();
            while (true)
            {
                if (_count == 0 && AtTrailingPadding()) return false;
                if (_count > 0 && !_frames[_count - 1].IsItem) return NextInSequence();
                if (_count > 0)
                {
                    ref var item = ref _frames[_count - 1];
                    if (item.End >= 0 && Input.Position >= item.End)
                    {
                        if (Input.Position > item.End) throw Input.Error("Item content runs past the item's length");
                        ItemContentEnd = item.End;
                        EndItem();
                        return true;
                    }
                }
                if (!DicomParser.TryReadHeader(Input, Syntax, out var h))
                {
                    if (_count == 0) return false;
                    throw Input.Error("The file ends inside a sequence item (truncated)");
                }
                if (h.Tag == DicomTag.ItemDelimitation && _count > 0)
                {
                    if (_frames[_count - 1].End < 0) { _header = h; ItemContentEnd = h.Offset; EndItem(); return true; }
                    continue; // tolerated inside a defined-length item, as dcmtk does
                }
                _header = h;
                if (h.BlankVr) Warning?.Invoke("Element " + h.Tag + " at byte offset " + h.Offset + " has a blank VR; it is read as " + h.VR + " and its bytes are kept.");
                if (_count == 0 && StopAfter != null && h.Tag > StopAfter.Value)
                {
                    Stopped = true;
                    return false;
                }
                Process();
                return true;
            }
        }

        /// <summary>
        /// A top-level "(0000,0000)" of zero bytes where an element should start: when every byte left is zero it is padding
        /// (written by some tools after pixel data, read by pydicom), so the dataset ends here and the bytes are kept as they
        /// are; any non-zero byte after it makes it damage, reported as such by the header read.
        /// </summary>
        private bool AtTrailingPadding()
        {
            if (!Input.Ensure(8)) return false;
            for (var i = 0; i < 8; i++) if (Input.PeekByte(i) != 0) return false;
            var start = Input.Position;
            // Only looked at, never held: the buffer is scanned and advanced chunk by chunk.
            while (Input.Ensure(1))
            {
                var n = Input.Buffered;
                var buffer = Input.RawBuffer;
                for (var i = Input.RawStart; i < Input.RawStart + n; i++)
                    if (buffer[i] != 0) throw Input.Error("Zero bytes where an element should start, followed by data (a (0000,0000) element of length 0 is not DICOM)", start);
                Input.Advance(n);
            }
            TrailingPaddingAt = start;
            Warning?.Invoke((Input.Position - start) + " zero bytes follow the last element (padding from byte offset " + start + "); they are kept as they are.");
            return true;
        }

        /// <summary>After a stop: walks on from the element <see cref="Next"/> stopped at, to the end.</summary>
        public void Resume()
        {
            StopAfter = null;
            if (!Stopped) return;
            Stopped = false;
            Process();
        }

        private void Process()
        {
            var h = _header;
            if (h.Tag.Group == 0xFFFE)
                throw Input.Error("Unexpected " + h.Tag + (_count == 0 ? " at the top level of the dataset" : " inside a sequence item"), h.Offset);
            if (_count > 0 && !h.IsUndefinedLength)
            {
                var itemEnd = _frames[_count - 1].End;
                if (itemEnd >= 0 && h.End > itemEnd) throw Input.Error("Element " + h.Tag + " length (" + h.Length + ") runs past the end of its item", h.Offset);
            }
            if (!h.IsUndefinedLength && Input.LengthKnown && h.Length > Input.Remaining)
                throw Input.Error("The length of " + h.Tag + " (" + h.Length + " bytes) runs past the end of the file (" + Input.Remaining + " bytes left)", h.Offset);
            if (DicomParser.IsSequence(h))
            {
                if (Depth + 1 > MaxDepth) throw Input.Error("Sequences are nested deeper than " + MaxDepth + " levels", h.Offset);
                Push(new Frame { IsItem = false, End = h.IsUndefinedLength ? -1 : h.End, Syntax = DicomParser.ItemSyntax(h, Syntax), Tag = h.Tag, Offset = h.Offset });
                Event = DicomWalkEvent.SequenceStart;
                return;
            }
            if (h.IsUndefinedLength && !DicomParser.IsEncapsulatedPixelData(h))
                throw Input.Error("Element " + h.Tag + " (" + h.VR + ") has an undefined length, which only sequences and encapsulated pixel data may have", h.Offset);
            Event = DicomWalkEvent.Element;
            _valuePending = true;
        }

        private bool NextInSequence()
        {
            ref var seq = ref _frames[_count - 1];
            if (seq.End >= 0 && Input.Position >= seq.End)
            {
                if (Input.Position > seq.End) throw Input.Error("Sequence " + seq.Tag + " content runs past its length", seq.Offset);
                EndSequence();
                return true;
            }
            if (!DicomParser.TryReadHeader(Input, seq.Syntax, out var item))
                throw Input.Error("The file ends inside sequence " + seq.Tag + " (truncated)");
            if (item.Tag == DicomTag.SequenceDelimitation)
            {
                if (seq.End >= 0) throw Input.Error("Unexpected sequence delimiter in defined-length sequence " + seq.Tag, item.Offset);
                _header = item;
                EndSequence();
                return true;
            }
            if (item.Tag != DicomTag.Item) throw Input.Error("Expected an item in sequence " + seq.Tag + ", found " + item.Tag, item.Offset);
            if (!item.IsUndefinedLength && seq.End >= 0 && item.End > seq.End)
                throw Input.Error("Item length (" + item.Length + ") runs past the end of sequence " + seq.Tag, item.Offset);
            if (!item.IsUndefinedLength && Input.LengthKnown && item.Length > Input.Remaining)
                throw Input.Error("The length of an item of " + seq.Tag + " (" + item.Length + " bytes) runs past the end of the file (" + Input.Remaining + " bytes left)", item.Offset);
            ItemIndex = seq.NextIndex++;
            var syntax = seq.Syntax;
            var tag = seq.Tag;
            _header = item;
            Push(new Frame { IsItem = true, End = item.IsUndefinedLength ? -1 : item.End, Syntax = syntax, Tag = tag, Offset = item.Offset });
            Depth++;
            Event = DicomWalkEvent.ItemStart;
            return true;
        }

        private void EndItem()
        {
            _count--;
            Depth--;
            Event = DicomWalkEvent.ItemEnd;
        }

        private void EndSequence()
        {
            _count--;
            Event = DicomWalkEvent.SequenceEnd;
        }

        private void Push(in Frame frame)
        {
            if (_count == _frames.Length) System.Array.Resize(ref _frames, _frames.Length * 2);
            _frames[_count++] = frame;
        }

        /// <summary>The current element's value (defined length only; bounded by what the stream holds).</summary>
        public byte[] ReadValue()
        {
            _valuePending = false;
            return Input.ReadBytes(_header.Length, "the value of ", _header.Tag);
        }

        /// <summary>
        /// Passes the current element's value, or the whole current sequence or item (walking it with every rule, to its
        /// end event). Values are skipped by seeking where the stream allows.
        /// </summary>
        public void SkipValue()
        {
            if (Event == DicomWalkEvent.Element)
            {
                if (_valuePending) SkipPendingValue();
                return;
            }
            if (Event != DicomWalkEvent.SequenceStart && Event != DicomWalkEvent.ItemStart) return;
            var level = _count - 1;
            var end = Event == DicomWalkEvent.SequenceStart ? DicomWalkEvent.SequenceEnd : DicomWalkEvent.ItemEnd;
            while (Next())
            {
                if (Event == end && _count == level) return;
            }
        }

        /// <summary>Copies the current element's value bytes (encapsulated pixel data: its fragment items and delimiter).</summary>
        public void CopyValue(Stream output)
        {
            if (Event != DicomWalkEvent.Element || !_valuePending) return;
            _valuePending = false;
            if (DicomParser.IsEncapsulatedPixelData(_header)) WalkFragments(output);
            else Input.CopyTo(output, _header.Length, "the value of ", _header.Tag);
        }

        private void SkipPendingValue()
        {
            _valuePending = false;
            if (DicomParser.IsEncapsulatedPixelData(_header)) WalkFragments(null);
            else Input.Skip(_header.Length, "the value of ", _header.Tag);
        }

        private void WalkFragments(Stream? output)
        {
            var ts = Syntax;
            while (true)
            {
                if (!DicomParser.TryReadHeader(Input, ts, out var item)) throw Input.Error("The file ends inside the encapsulated pixel data of " + _header.Tag + " (truncated)");
                if (item.Tag == DicomTag.SequenceDelimitation)
                {
                    if (output != null) DicomEncoder.WriteHeader(output, item.Tag, "", item.Length, ts);
                    return;
                }
                if (item.Tag != DicomTag.Item || item.IsUndefinedLength) throw Input.Error("Expected a pixel data fragment item, found " + item.Tag, item.Offset);
                if (output == null)
                {
                    Input.Skip(item.Length, "a pixel data fragment");
                }
                else
                {
                    DicomEncoder.WriteHeader(output, item.Tag, "", item.Length, ts);
                    Input.CopyTo(output, item.Length, "a pixel data fragment");
                }
            }
        }
    }
}
