using System;
using System.IO;

namespace DicomTools.Dicom
{
    /// <summary>Writes element headers and byte-swapped values in any native transfer syntax.</summary>
    internal static class DicomEncoder
    {
        public static int HeaderLength(string vr, DicomTransferSyntax ts, DicomTag tag) =>
            tag.Group == 0xFFFE || !ts.ExplicitVr ? 8 : VrRules.HasLongHeader(vr) ? 12 : 8;

        /// <summary>Writes a header into <paramref name="buffer"/>; returns its length.</summary>
        public static int WriteHeader(byte[] buffer, int offset, DicomTag tag, string vr, uint length, DicomTransferSyntax ts)
        {
            var be = ts.BigEndian;
            Put16(buffer, offset, tag.Group, be);
            Put16(buffer, offset + 2, tag.Element, be);
            if (tag.Group == 0xFFFE || !ts.ExplicitVr)
            {
                Put32(buffer, offset + 4, length, be);
                return 8;
            }
            buffer[offset + 4] = (byte)vr[0];
            buffer[offset + 5] = (byte)vr[1];
            if (VrRules.HasLongHeader(vr))
            {
                buffer[offset + 6] = 0;
                buffer[offset + 7] = 0;
                Put32(buffer, offset + 8, length, be);
                return 12;
            }
            if (length > ushort.MaxValue)
                throw new DicomValueException(tag + " (" + vr + "): a value of " + length + " bytes does not fit the 16-bit length of VR " + vr + " in explicit VR [rule max-length].", tag, vr, "max-length");
            Put16(buffer, offset + 6, (ushort)length, be);
            return 8;
        }

        public static void WriteHeader(Stream s, DicomTag tag, string vr, uint length, DicomTransferSyntax ts)
        {
            var b = new byte[12];
            var n = WriteHeader(b, 0, tag, vr, length, ts);
            s.Write(b, 0, n);
        }

        public static void Put16(byte[] b, int o, ushort v, bool be)
        {
            if (be) { b[o] = (byte)(v >> 8); b[o + 1] = (byte)v; }
            else { b[o] = (byte)v; b[o + 1] = (byte)(v >> 8); }
        }

        public static void Put32(byte[] b, int o, uint v, bool be)
        {
            if (be) { b[o] = (byte)(v >> 24); b[o + 1] = (byte)(v >> 16); b[o + 2] = (byte)(v >> 8); b[o + 3] = (byte)v; }
            else { b[o] = (byte)v; b[o + 1] = (byte)(v >> 8); b[o + 2] = (byte)(v >> 16); b[o + 3] = (byte)(v >> 24); }
        }

        /// <summary>Little-endian words to big endian (or back): the value is swapped per the VR's word size.</summary>
        public static byte[] Swap(byte[] value, string vr)
        {
            var size = VrRules.WordSize(vr);
            if (vr == "AT") size = 2;
            if (size == 1) return value;
            var r = (byte[])value.Clone();
            for (var i = 0; i + size <= r.Length; i += size) Array.Reverse(r, i, size);
            return r;
        }

        /// <summary>A whole element (header + value) as bytes.</summary>
        public static byte[] Element(DicomTag tag, string vr, byte[] value, DicomTransferSyntax ts)
        {
            var hl = HeaderLength(vr, ts, tag);
            var r = new byte[hl + value.Length];
            WriteHeader(r, 0, tag, vr, (uint)value.Length, ts);
            Buffer.BlockCopy(value, 0, r, hl, value.Length);
            return r;
        }
    }
}
