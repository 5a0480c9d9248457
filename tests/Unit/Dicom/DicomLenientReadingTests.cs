using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using DicomTools.Dicom;
using Xunit;
using static DicomTools.Tests.Unit.Dicom.DicomTestFiles;

namespace DicomTools.Tests.Unit.Dicom
{
    /// <summary>Issue 9 item 7: files other tools read are read (with a warning), and their odd bytes are kept by an edit.</summary>
    public class DicomLenientReadingTests
    {
        private static byte[] Find(byte[] haystack, byte[] needle, out int at)
        {
            for (at = 0; at <= haystack.Length - needle.Length; at++)
                if (haystack.AsSpan(at, needle.Length).SequenceEqual(needle)) return haystack;
            throw new InvalidOperationException("not found");
        }

        [Theory]
        [InlineData(ExplicitLE)]
        [InlineData(ImplicitLE)]
        [InlineData(Deflated)]
        public void ZeroPaddingAfterTheLastElementIsReadWithAWarningAndKeptByAnEdit(string syntax)
        {
            const int padding = 2_500_000;
            using var t = new TempFolder();
            var path = Write(t, "p.dcm", Image(), syntax);
            if (syntax == Deflated)
            {
                // Padding inside the deflated dataset: rewrite the file with the zeros deflated after the dataset.
                var header = DicomFileReader.ReadSummary(path);
                var clean = Write(t, "clean.dcm", Image(), ExplicitLE);
                var all = File.ReadAllBytes(clean);
                var metaEnd = 132 + 12 + (int)BitConverter.ToUInt32(all, 140);
                using var ms = new MemoryStream();
                DicomFileWriter.Write(ms, new DicomDatasetBuilder().Add(new DicomTag(0x0008, 0x0016), "UI", SecondaryCapture).Add(DicomTag.SopInstanceUid, "UI", "1.2.826.0.1.3680043.10.1234.99.1"), Deflated);
                var deflatedMeta = ms.ToArray();
                var deflatedMetaEnd = 132 + 12 + (int)BitConverter.ToUInt32(deflatedMeta, 140);
                using var fs = File.Create(path);
                fs.Write(deflatedMeta, 0, deflatedMetaEnd);
                using var z = new System.IO.Compression.DeflateStream(fs, System.IO.Compression.CompressionLevel.Fastest);
                z.Write(all, metaEnd, all.Length - metaEnd);
                z.Write(new byte[padding], 0, padding);
            }
            else
            {
                using var fs = new FileStream(path, FileMode.Append);
                fs.Write(new byte[padding], 0, padding);
            }
            var warnings = new List<string>();
            var elements = DicomFileReader.ReadElements(path, new DicomReadOptions { IncludeSequences = true, Warning = warnings.Add }).ToList();
            Assert.Contains(elements, e => e.Tag == DicomTag.PixelData);
            Assert.Contains(warnings, w => w.Contains(padding + " zero bytes", StringComparison.Ordinal));

            var editWarnings = new List<string>();
            var privateCreator = new DicomTag(0x7FE1, 0x0010);
            var result = DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "Padded^Rex"), DicomEdit.Set(privateCreator, "ACME 1.1", "LO") },
                new DicomEditOptions { FlushToDisk = false, Warning = editWarnings.Add });
            Assert.True(result.Written);
            Assert.Single(editWarnings);
            var after = DicomFileReader.ReadElements(path).ToDictionary(e => e.Tag);
            Assert.Equal("Padded^Rex", after[PatientName].GetString());
            Assert.Equal("ACME 1.1", after[privateCreator].GetString());
            if (syntax != Deflated)
            {
                var bytes = File.ReadAllBytes(path);
                Assert.True(bytes.Skip(bytes.Length - padding).All(b => b == 0), "the padding is kept at the end");
                Assert.NotEqual(0, bytes[bytes.Length - padding - 1]);
            }
        }

        [Fact]
        public void ZerosFollowedByDataAreStillDamage()
        {
            using var t = new TempFolder();
            var path = Write(t, "z.dcm", Image(), ExplicitLE);
            using (var fs = new FileStream(path, FileMode.Append)) { fs.Write(new byte[64], 0, 64); fs.WriteByte(1); fs.WriteByte(0); }
            var before = File.ReadAllBytes(path);
            Assert.Throws<DicomFormatException>(() => DicomFileReader.ReadElements(path).ToList());
            Assert.Throws<DicomFormatException>(() => DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "X") }, new DicomEditOptions { FlushToDisk = false }));
            Assert.Equal(before, File.ReadAllBytes(path));
        }

        [Fact]
        public void ABlankVrIsReadAsTheDictionaryVrWithAWarningAndItsBytesAreKept()
        {
            using var t = new TempFolder();
            var path = Write(t, "b.dcm", Image(), ExplicitLE);
            var bytes = File.ReadAllBytes(path);
            // (0010,0020) PatientID "LO" -> "  "
            Find(bytes, new byte[] { 0x10, 0x00, 0x20, 0x00, (byte)'L', (byte)'O' }, out var at);
            bytes[at + 4] = (byte)' ';
            bytes[at + 5] = (byte)' ';
            File.WriteAllBytes(path, bytes);

            var warnings = new List<string>();
            var id = DicomFileReader.ReadElements(path, new DicomReadOptions { Warning = warnings.Add }).Single(e => e.Tag == PatientId);
            Assert.Equal("LO", id.VR);
            Assert.Equal("OLD-001", id.GetString());
            Assert.Contains(warnings, w => w.Contains("(0010,0020)", StringComparison.Ordinal) && w.Contains("blank VR", StringComparison.Ordinal));

            DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "Blank^Vr") }, new DicomEditOptions { FlushToDisk = false });
            var after = File.ReadAllBytes(path);
            Find(after, new byte[] { 0x10, 0x00, 0x20, 0x00, (byte)' ', (byte)' ' }, out _);
            Assert.Equal("Blank^Vr", DicomFileReader.ReadElements(path).Single(e => e.Tag == PatientName).GetString());
        }

        [Fact]
        public void TopLevelElementsOutOfOrderAreReadButNotEditedWithAClearMessage()
        {
            using var t = new TempFolder();
            var b = new DicomDatasetBuilder()
                .Add(new DicomTag(0x0008, 0x0016), "UI", SecondaryCapture)
                .Add(DicomTag.SopInstanceUid, "UI", "1.2.3.4")
                .Add(PatientName, "PN", "Doe^Rex")
                .Add(PatientId, "LO", "ID01");
            var path = Write(t, "o.dcm", b, ExplicitLE);
            var bytes = File.ReadAllBytes(path);
            // Swap the two elements: (0010,0020) now comes before (0010,0010), as pydicom reads it.
            Find(bytes, new byte[] { 0x10, 0x00, 0x10, 0x00, (byte)'P', (byte)'N' }, out var at);
            var name = bytes.Skip(at).Take(16).ToArray();
            var id = bytes.Skip(at + 16).Take(12).ToArray();
            id.CopyTo(bytes, at);
            name.CopyTo(bytes, at + 12);
            File.WriteAllBytes(path, bytes);

            Assert.Equal(new[] { PatientId, PatientName }, DicomFileReader.ReadElements(path).Select(e => e.Tag).Where(x => x == PatientId || x == PatientName).ToArray());
            var ex = Assert.Throws<DicomFormatException>(() => DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "X") }, new DicomEditOptions { FlushToDisk = false }));
            Assert.Contains("not in ascending tag order", ex.Message);
            Assert.Equal(bytes, File.ReadAllBytes(path));
        }
    }
}
