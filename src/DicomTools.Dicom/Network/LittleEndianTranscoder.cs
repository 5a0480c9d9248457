using System;
using System.IO;

namespace DicomTools.Dicom.Network
{
    /// <summary>
    /// Re-encodes a data set (implicit, explicit, deflated explicit little endian, or explicit big endian) as Implicit or
    /// Explicit VR Little Endian while streaming. From little endian, values are copied byte for byte (pixel data
    /// unchanged) and only element headers change; from big endian, each value is byte-swapped per its VR's word size
    /// (US/SS/OW and AT's two halves by 2, UL/SL/FL/OF/OL by 4, FD/OD/SV/UV/OV by 8; strings, OB and UN untouched), in
    /// chunks as it streams, so native OW pixel data comes out as little endian words and OB pixel data unchanged.
    /// Sequences and items are written with undefined length, so no length has to be computed ahead (header sizes differ
    /// between the two syntaxes); group lengths, which would be wrong afterwards, are dropped (PS3.5 §7.2 retires them).
    /// Kept small and on the codec's element reader on purpose: when the codec gets its one public walker, this becomes a
    /// visitor over it.
    /// </summary>
    internal static class LittleEndianTranscoder
    {
        public static void Transcode(DicomInput input, DicomTransferSyntax from, bool toExplicit, Stream output)
        {
            var to = toExplicit ? DicomTransferSyntax.ExplicitVRLittleEndian : DicomTransferSyntax.ImplicitVRLittleEndian;
            // Element headers are written into it, and big endian values are swapped in it a chunk at a time.
            var scratch = new byte[from.BigEndian ? SwapChunk : 12];
            Dataset(input, from, to, -1, 0, output, scratch);
        }

        private static void Dataset(DicomInput input, DicomTransferSyntax from, DicomTransferSyntax to, long end, int depth, Stream output, byte[] header)
        {
            while (end < 0 || input.Position < end)
            {
                if (!DicomParser.TryReadHeader(input, from, out var h))
                {
                    if (depth == 0) return;
                    throw input.Error("The data set ends inside a sequence item (truncated)");
                }
                if (h.Tag == DicomTag.ItemDelimitation)
                {
                    if (depth > 0 && end < 0) return;
                    continue;
                }
                if (h.Tag.IsGroupLength)
                {
                    input.Skip(h.Length, "the group length ", h.Tag);
                    continue;
                }
                if (DicomParser.IsSequence(h))
                {
                    Put(output, header, DicomEncoder.WriteHeader(header, 0, h.Tag, "SQ", ElementHeader.UndefinedLength, to));
                    Items(input, DicomParser.ItemSyntax(h, from), to, h, depth + 1, output, header);
                    Put(output, header, DicomEncoder.WriteHeader(header, 0, DicomTag.SequenceDelimitation, string.Empty, 0, to));
                    continue;
                }
                if (DicomParser.IsEncapsulatedPixelData(h))
                    throw input.Error("Encapsulated pixel data in an uncompressed transfer syntax cannot be transcoded", h.Offset);
                if (h.IsUndefinedLength) throw input.Error("Element " + h.Tag + " (" + h.VR + ") has an undefined length, which only sequences and encapsulated pixel data may have", h.Offset);
                var vr = h.VR;
                if (to.ExplicitVr && !from.ExplicitVr)
                {
                    // Implicit VR: the dictionary's VR (first of "OB or OW"); native pixel data of any depth is safe as OW in little endian.
                    if (h.Tag == DicomTag.PixelData) vr = "OW";
                    if (!VrRules.HasLongHeader(vr) && h.Length > ushort.MaxValue) vr = "UN";
                }
                Put(output, header, DicomEncoder.WriteHeader(header, 0, h.Tag, vr, h.Length, to));
                var word = from.BigEndian ? (h.VR == "AT" ? 2 : VrRules.WordSize(h.VR)) : 1;
                if (word == 1) input.CopyTo(output, h.Length, "the value of ", h.Tag);
                else CopySwapped(input, output, h, word, header);
            }
        }

        private static void Items(DicomInput input, DicomTransferSyntax from, DicomTransferSyntax to, ElementHeader seq, int depth, Stream output, byte[] header)
        {
            if (depth > DicomParser.MaxDepth) throw input.Error("Sequences are nested deeper than " + DicomParser.MaxDepth + " levels", seq.Offset);
            var end = seq.IsUndefinedLength ? long.MaxValue : seq.End;
            while (input.Position < end)
            {
                if (!DicomParser.TryReadHeader(input, from, out var item))
                {
                    if (seq.IsUndefinedLength) throw input.Error("The data set ends inside sequence " + seq.Tag + " (truncated)");
                    return;
                }
                if (item.Tag == DicomTag.SequenceDelimitation) return;
                if (item.Tag != DicomTag.Item) throw input.Error("Expected an item in sequence " + seq.Tag + ", found " + item.Tag, item.Offset);
                Put(output, header, DicomEncoder.WriteHeader(header, 0, DicomTag.Item, string.Empty, ElementHeader.UndefinedLength, to));
                Dataset(input, from, to, item.IsUndefinedLength ? -1 : item.End, depth, output, header);
                Put(output, header, DicomEncoder.WriteHeader(header, 0, DicomTag.ItemDelimitation, string.Empty, 0, to));
            }
        }

        /// <summary>A multiple of 8, so that a chunk never splits a word.</summary>
        private const int SwapChunk = 64 * 1024;

        /// <summary>Copies a big endian value as little endian words of <paramref name="word"/> bytes, a chunk at a time.</summary>
        private static void CopySwapped(DicomInput input, Stream output, ElementHeader h, int word, byte[] scratch)
        {
            long count = h.Length;
            if (input.LengthKnown && count > input.Remaining)
                throw input.Error("The length of the value of " + h.Tag + " (" + count + " bytes) runs past the end of the file (" + input.Remaining + " bytes left)", h.Offset);
            while (count > 0)
            {
                var want = (int)Math.Min(count, scratch.Length);
                if (!input.Ensure(Math.Min(want, word))) throw input.Error("The file ends inside the value of " + h.Tag + " (truncated)", h.Offset);
                var n = Math.Min(Math.Min(input.Buffered, want), scratch.Length);
                // Whole words only, except a value whose length is not a multiple of the word (malformed): its tail goes as is.
                if (n >= word) n -= n % word;
                Buffer.BlockCopy(input.RawBuffer, input.RawStart, scratch, 0, n);
                input.Advance(n);
                if (n >= word) SwapWords(scratch, n, word);
                output.Write(scratch, 0, n);
                count -= n;
            }
        }

        private static void SwapWords(byte[] b, int length, int word)
        {
            switch (word)
            {
                case 2:
                    for (var i = 0; i + 1 < length; i += 2) { var t = b[i]; b[i] = b[i + 1]; b[i + 1] = t; }
                    break;
                default:
                    for (var i = 0; i + word <= length; i += word) Array.Reverse(b, i, word);
                    break;
            }
        }

        private static void Put(Stream output, byte[] header, int length) => output.Write(header, 0, length);
    }
}
