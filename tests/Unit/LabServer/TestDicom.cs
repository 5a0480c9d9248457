using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Text;

namespace DicomTools.Tests.Unit.LabServer
{
    /// <summary>
    /// Writes small Part 10 files for the lab server's tests, byte by byte from PS3.5/PS3.10, so these
    /// tests do not depend on the codec under construction.
    /// </summary>
    internal sealed class TestDicom
    {
        public const string SecondaryCapture = "1.2.840.10008.5.1.4.1.1.7";
        public const string ExplicitLittle = "1.2.840.10008.1.2.1";
        public const string ImplicitLittle = "1.2.840.10008.1.2";
        public const string DeflatedExplicitLittle = "1.2.840.10008.1.2.1.99";

        public string PatientId { get; set; } = "PID-1";
        public string StudyUid { get; set; } = "1.2.826.0.1.3680043.2.1125.1";
        public string SeriesUid { get; set; } = "1.2.826.0.1.3680043.2.1125.1.1";
        public string? SopInstanceUid { get; set; } = "1.2.826.0.1.3680043.2.1125.1.1.1";
        public string TransferSyntax { get; set; } = ExplicitLittle;
        /// <summary>Put an undefined-length sequence before the UIDs, as real files often have.</summary>
        public bool WithSequence { get; set; }
        /// <summary>Pixel bytes appended at the end, to make a file of a given size.</summary>
        public int PixelBytes { get; set; } = 64;

        public static TestDicom Instance(int n, string patientId = "PID-1") => new()
        {
            PatientId = patientId,
            SopInstanceUid = "1.2.826.0.1.3680043.2.1125.1.1." + n,
        };

        public byte[] ToBytes()
        {
            var dataset = new MemoryStream();
            var implicitVr = TransferSyntax == ImplicitLittle;
            void Element(ushort group, ushort element, string vr, byte[] value) => WriteElement(dataset, group, element, vr, value, implicitVr);

            Element(0x0008, 0x0016, "UI", Uid(SecondaryCapture));
            if (SopInstanceUid != null) Element(0x0008, 0x0018, "UI", Uid(SopInstanceUid));
            if (WithSequence) WriteUndefinedSequence(dataset, implicitVr);
            Element(0x0010, 0x0010, "PN", Text("Rex^Bobby"));
            Element(0x0010, 0x0020, "LO", Text(PatientId));
            Element(0x0020, 0x000D, "UI", Uid(StudyUid));
            Element(0x0020, 0x000E, "UI", Uid(SeriesUid));
            Element(0x7FE0, 0x0010, "OB", new byte[PixelBytes + (PixelBytes & 1)]);

            var body = dataset.ToArray();
            if (TransferSyntax == DeflatedExplicitLittle)
            {
                var deflated = new MemoryStream();
                using (var deflate = new DeflateStream(deflated, CompressionLevel.Fastest, leaveOpen: true)) deflate.Write(body);
                body = deflated.ToArray();
            }

            var meta = new MemoryStream();
            WriteElement(meta, 0x0002, 0x0001, "OB", new byte[] { 0, 1 }, false);
            WriteElement(meta, 0x0002, 0x0002, "UI", Uid(SecondaryCapture), false);
            if (SopInstanceUid != null) WriteElement(meta, 0x0002, 0x0003, "UI", Uid(SopInstanceUid), false);
            WriteElement(meta, 0x0002, 0x0010, "UI", Uid(TransferSyntax), false);
            var metaBytes = meta.ToArray();

            var file = new MemoryStream();
            file.Write(new byte[128]);
            file.Write(Encoding.ASCII.GetBytes("DICM"));
            WriteElement(file, 0x0002, 0x0000, "UL", BitConverter.GetBytes((uint)metaBytes.Length), false);
            file.Write(metaBytes);
            file.Write(body);
            return file.ToArray();
        }

        /// <summary>Streams the file with <paramref name="pixelBytes"/> of pixel data, never holding it in memory (explicit VR only).</summary>
        public void WriteLarge(Stream target, long pixelBytes)
        {
            if ((pixelBytes & 1) != 0 || pixelBytes > uint.MaxValue - 1) throw new ArgumentOutOfRangeException(nameof(pixelBytes));
            var saved = PixelBytes;
            PixelBytes = 0;
            var head = ToBytes();   // ends with the Pixel Data header: its last 4 bytes are the (zero) length
            PixelBytes = saved;
            BitConverter.GetBytes((uint)pixelBytes).CopyTo(head, head.Length - 4);
            target.Write(head);
            var zeros = new byte[1024 * 1024];
            for (var left = pixelBytes; left > 0; left -= zeros.Length) target.Write(zeros, 0, (int)Math.Min(left, zeros.Length));
        }

        public string WriteTo(string folder, string? name = null)
        {
            Directory.CreateDirectory(folder);
            var path = Path.Combine(folder, name ?? (SopInstanceUid ?? Guid.NewGuid().ToString("N")) + ".dcm");
            File.WriteAllBytes(path, ToBytes());
            return path;
        }

        private static byte[] Uid(string uid) => Pad(Encoding.ASCII.GetBytes(uid), 0);
        private static byte[] Text(string text) => Pad(Encoding.ASCII.GetBytes(text), (byte)' ');
        private static byte[] Pad(byte[] value, byte pad)
        {
            if ((value.Length & 1) == 0) return value;
            var padded = new byte[value.Length + 1];
            value.CopyTo(padded, 0);
            padded[^1] = pad;
            return padded;
        }

        private static readonly HashSet<string> LongVrs = new() { "OB", "OW", "SQ", "UN", "UT", "UC", "UR" };

        private static void WriteElement(Stream s, ushort group, ushort element, string vr, byte[] value, bool implicitVr)
        {
            s.Write(BitConverter.GetBytes(group));
            s.Write(BitConverter.GetBytes(element));
            if (implicitVr) s.Write(BitConverter.GetBytes((uint)value.Length));
            else if (LongVrs.Contains(vr))
            {
                s.Write(Encoding.ASCII.GetBytes(vr));
                s.Write(new byte[2]);
                s.Write(BitConverter.GetBytes((uint)value.Length));
            }
            else
            {
                s.Write(Encoding.ASCII.GetBytes(vr));
                s.Write(BitConverter.GetBytes((ushort)value.Length));
            }
            s.Write(value);
        }

        // (0008,1115) Referenced Series Sequence, undefined length, one undefined-length item holding a UID.
        private static void WriteUndefinedSequence(Stream s, bool implicitVr)
        {
            s.Write(BitConverter.GetBytes((ushort)0x0008));
            s.Write(BitConverter.GetBytes((ushort)0x1115));
            if (!implicitVr) { s.Write(Encoding.ASCII.GetBytes("SQ")); s.Write(new byte[2]); }
            s.Write(BitConverter.GetBytes(0xFFFFFFFFu));
            WriteItemTag(s, 0xE000, 0xFFFFFFFFu);
            WriteElement(s, 0x0020, 0x000E, "UI", Uid("9.9.9.9"), implicitVr);   // must not be taken for the top-level Series UID
            WriteItemTag(s, 0xE00D, 0);
            WriteItemTag(s, 0xE0DD, 0);
        }

        private static void WriteItemTag(Stream s, ushort element, uint length)
        {
            s.Write(BitConverter.GetBytes((ushort)0xFFFE));
            s.Write(BitConverter.GetBytes(element));
            s.Write(BitConverter.GetBytes(length));
        }
    }
}
