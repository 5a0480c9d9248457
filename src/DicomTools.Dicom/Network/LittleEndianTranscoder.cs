using System.IO;

namespace DicomTools.Dicom.Network
{
    /// <summary>
    /// Re-encodes a little endian data set (implicit, explicit, or deflated explicit) as Implicit or Explicit VR Little
    /// Endian while streaming: values are copied byte for byte (pixel data unchanged), only element headers change.
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
            var header = new byte[12];
            Dataset(input, from, to, -1, 0, output, header);
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
                input.CopyTo(output, h.Length, "the value of ", h.Tag);
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

        private static void Put(Stream output, byte[] header, int length) => output.Write(header, 0, length);
    }
}
