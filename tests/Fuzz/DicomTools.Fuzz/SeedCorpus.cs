using System.IO;
using DicomTools.Dicom;

namespace DicomTools.Fuzz
{
    /// <summary>Small valid files (a few hundred bytes) covering what the walker knows: each transfer syntax, sequences
    /// of defined and undefined length, a private block, native and encapsulated pixel data, a character set.</summary>
    internal static class SeedCorpus
    {
        public static void Write(string folder)
        {
            Directory.CreateDirectory(folder);
            var syntaxes = new[]
            {
                DicomTransferSyntax.ImplicitVRLittleEndian, DicomTransferSyntax.ExplicitVRLittleEndian,
                DicomTransferSyntax.ExplicitVRBigEndian, DicomTransferSyntax.FromUid("1.2.840.10008.1.2.1.99"),
            };
            var i = 0;
            foreach (var ts in syntaxes)
            {
                DicomFileWriter.Write(Path.Combine(folder, "seed-" + i++ + ".dcm"), Image(undefined: true, "ISO_IR 100"), ts);
                DicomFileWriter.Write(Path.Combine(folder, "seed-" + i++ + ".dcm"), Image(undefined: false, null), ts);
            }
            var encapsulated = Image(undefined: true, null, pixels: false)
                .AddEncapsulatedPixelData(new byte[0], new[] { new byte[] { 0xFF, 0xD8, 0xFF, 0xD9 } });
            DicomFileWriter.Write(Path.Combine(folder, "seed-" + i++ + ".dcm"), encapsulated, DicomTransferSyntax.JPEGBaseline8Bit);
        }

        private static DicomDatasetBuilder Image(bool undefined, string? charset, bool pixels = true)
        {
            var inner = new DicomDatasetBuilder().Add(new DicomTag(0x0008, 0x0100), "SH", "T-D0050").Add(new DicomTag(0x0008, 0x0104), "LO", "Tissue");
            var item = new DicomDatasetBuilder()
                .Add(new DicomTag(0x0008, 0x1150), "UI", "1.2.840.10008.5.1.4.1.1.7")
                .Add(new DicomTag(0x0008, 0x1155), "UI", "1.2.3.4.5.6.7")
                .AddSequence(new DicomTag(0x0040, 0xA043), new[] { inner }, undefined);
            var b = new DicomDatasetBuilder();
            if (charset != null) b.Add(new DicomTag(0x0008, 0x0005), "CS", charset);
            b.Add(DicomTags.SOPClassUID, "UI", "1.2.840.10008.5.1.4.1.1.7")
             .Add(DicomTags.SOPInstanceUID, "UI", "1.2.826.0.1.3680043.10.1234.99.1")
             .Add(DicomTags.StudyDate, "DA", "20240102")
             .Add(DicomTags.InstitutionName, "LO", charset != null ? "Clínica" : "Clinic")
             .AddSequence(new DicomTag(0x0008, 0x1140), new[] { item }, undefined)
             .Add(DicomTags.PatientName, "PN", "Doe^Rex")
             .Add(new DicomTag(0x0009, 0x0010), "LO", "ACME PRIVATE")
             .AddBinary(new DicomTag(0x0009, 0x1001), "OB", new byte[] { 1, 2, 3, 4 })
             .Add(DicomTags.Rows, "US", "2")
             .Add(DicomTags.Columns, "US", "2");
            if (pixels) b.AddBinary(new DicomTag(0x7FE0, 0x0010), "OW", new byte[] { 1, 0, 2, 0, 3, 0, 4, 0 });
            return b;
        }
    }
}
