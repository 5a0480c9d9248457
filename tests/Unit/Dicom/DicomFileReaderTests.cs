using System.IO;
using System.Linq;
using DicomTools.Dicom;
using Xunit;
using static DicomTools.Tests.Unit.Dicom.DicomTestFiles;

namespace DicomTools.Tests.Unit.Dicom
{
    public class DicomFileReaderTests
    {
        [Theory]
        [InlineData(ImplicitLE)]
        [InlineData(ExplicitLE)]
        [InlineData(ExplicitBE)]
        [InlineData(Deflated)]
        public void ReadsTopLevelAndSequencesInEverySyntax(string syntax)
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(undefinedSequences: syntax == ImplicitLE), syntax);
            var top = DicomFileReader.ReadElements(path).ToList();
            Assert.All(top, e => Assert.Equal(0, e.Depth));
            Assert.Equal("Doe^Rex", top.Single(e => e.Tag == PatientName).Value);
            Assert.Equal("PatientName", top.Single(e => e.Tag == PatientName).Keyword);
            Assert.Equal("16", top.Single(e => e.Tag == new DicomTag(0x0028, 0x0100)).Value);
            Assert.Equal("01\\02\\03\\04\\05\\06", top.Single(e => e.Tag == new DicomTag(0x0009, 0x1001)).Value);
            Assert.Equal("", top.Single(e => e.Tag == new DicomTag(0x0009, 0x1001)).Keyword);
            Assert.Contains(top, e => e.Tag == new DicomTag(0x0002, 0x0010) && e.Value == syntax);

            var all = DicomFileReader.ReadElements(path, new DicomReadOptions { IncludeSequences = true, IncludeFileMeta = false }).ToList();
            Assert.DoesNotContain(all, e => e.Tag.Group == 0x0002);
            var codeMeaning = all.Single(e => e.Tag == new DicomTag(0x0008, 0x0104));
            Assert.Equal("Tissue", codeMeaning.Value);
            Assert.Equal(2, codeMeaning.Depth);
            Assert.Equal("(0008,1140)[0](0040,A043)[0]", codeMeaning.ParentPath);
            Assert.Equal("(0008,1140)[1]", all.Last(e => e.Tag == new DicomTag(0x0008, 0x1155)).ParentPath);
        }

        [Fact]
        public void TagsFilterReturnsOnlyThoseInTheOrderOfTheFile()
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), ExplicitLE);
            var found = DicomFileReader.ReadElements(path, new DicomReadOptions { Tags = new[] { PatientId, InstitutionName }, IncludeFileMeta = false }).ToList();
            Assert.Equal(new[] { InstitutionName, PatientId }, found.Select(e => e.Tag));
            Assert.Equal("OLD-001", found[1].Value);
        }

        [Fact]
        public void SummaryHasTheKeyFacts()
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), Deflated);
            var s = DicomFileReader.ReadSummary(path);
            Assert.Equal(Deflated, s.TransferSyntaxUid);
            Assert.True(s.HasPreamble);
            Assert.Equal(SecondaryCapture, s.SopClassUid);
            Assert.Equal("1.2.826.0.1.3680043.10.1234.99.1", s.SopInstanceUid);
            Assert.Equal("1.2.826.0.1.3680043.10.1234.99.2", s.StudyInstanceUid);
            Assert.Equal("1.2.826.0.1.3680043.10.1234.99.3", s.SeriesInstanceUid);
            Assert.Equal("OLD-001", s.PatientId);
        }

        [Theory]
        [InlineData(ImplicitLE, true)]
        [InlineData(ExplicitLE, true)]
        [InlineData(ExplicitBE, false)]
        public void LooksLikeDicomAcceptsPart10AndBareDatasets(string syntax, bool part10)
        {
            using var t = new TempFolder();
            Assert.True(DicomFileReader.LooksLikeDicom(Write(t, "p10.dcm", Image(), syntax)));
            var bare = Write(t, "bare.dcm", Image(), syntax, part10: false);
            Assert.True(DicomFileReader.LooksLikeDicom(bare));
            Assert.Equal(syntax, DicomFileReader.ReadSummary(bare).TransferSyntaxUid);
            Assert.Equal("Doe^Rex", DicomFileReader.ReadElements(bare).Single(e => e.Tag == PatientName).Value);
            var png = t.File("x.png");
            File.WriteAllBytes(png, new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13 });
            Assert.False(DicomFileReader.LooksLikeDicom(png));
            _ = part10;
        }

        [Fact]
        public void UndefinedLengthUnIsReadAsImplicitLittleEndianItems()
        {
            using var t = new TempFolder();
            // Explicit VR LE file holding a private sequence as UN with undefined length (as after a relay that lost the VR).
            var item = new byte[] { 0x08, 0x00, 0x00, 0x01, 4, 0, 0, 0, (byte)'C', (byte)'O', (byte)'D', (byte)'E' }; // (0008,0100) implicit, 4 bytes
            var content = new System.Collections.Generic.List<byte>();
            content.AddRange(new byte[] { 0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF });
            content.AddRange(item);
            content.AddRange(new byte[] { 0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0, 0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0 });
            var b = Image().AddRaw(new DicomTag(0x0009, 0x1010), "UN", content.ToArray());
            var path = Write(t, "un.dcm", b, ExplicitLE);
            // AddRaw wrote a defined length: patch it to undefined.
            var bytes = File.ReadAllBytes(path);
            var at = DicomFileReader.ReadElements(path).Single(e => e.Tag == new DicomTag(0x0009, 0x1010)).Offset;
            bytes[at + 8] = bytes[at + 9] = bytes[at + 10] = bytes[at + 11] = 0xFF;
            File.WriteAllBytes(path, bytes);
            var nested = DicomFileReader.ReadElements(path, new DicomReadOptions { IncludeSequences = true }).Single(e => e.Tag == new DicomTag(0x0008, 0x0100) && e.ParentPath == "(0009,1010)[0]");
            Assert.Equal("CODE", nested.Value);
            Assert.Equal(1, nested.Depth);
            DicomFileEditor.Edit(path, new[] { DicomEdit.Set(Barcode, "after-un") }, new DicomEditOptions { FlushToDisk = false });
            Assert.Equal(bytes.Take((int)at + 200).ToArray(), File.ReadAllBytes(path).Take((int)at + 200).ToArray());
        }
    }
}

namespace DicomTools.Tests.Unit.Dicom
{
    public class DicomFileWriterTests
    {
        [Fact]
        public void StreamedValuesAreCopiedNotHeld()
        {
            using var t = new TempFolder();
            var pixels = Enumerable.Range(0, 65536).Select(i => (byte)(i % 251)).ToArray();
            var b = Image(rows: 128, columns: 256);
            b.AddBinary(DicomTag.PixelData, "OW", () => new MemoryStream(pixels), pixels.Length);
            var path = Write(t, "s.dcm", b, ExplicitLE);
            var pixel = DicomFileReader.ReadElements(path).Single(e => e.Tag == DicomTag.PixelData);
            Assert.Equal(pixels.Length, pixel.Length);
            Assert.Equal(pixels, File.ReadAllBytes(path).Skip((int)pixel.Offset + 12).ToArray());
            b.AddBinary(DicomTag.PixelData, "OW", () => new MemoryStream(pixels, 0, 100), pixels.Length);
            Assert.Throws<EndOfStreamException>(() => Write(t, "short.dcm", b, ExplicitLE));
            Assert.False(File.Exists(t.File("short.dcm")));
        }

        [Fact]
        public void BuilderRefusesInvalidValuesAndUnknownVrs()
        {
            var b = new DicomDatasetBuilder();
            Assert.Equal("max-length", Assert.Throws<DicomValueException>(() => b.Add("PatientID", new string('1', 65))).Rule);
            Assert.Throws<System.ArgumentException>(() => b.Add(PatientName, "XX", "a"));
            Assert.Throws<System.ArgumentException>(() => b.Add("NoSuchKeyword", "a"));
        }

        [Fact]
        public void TextThatTheBuildersCharacterSetCannotCarryIsRefused()
        {
            using var t = new TempFolder();
            var b = Image().Add(InstitutionName, "LO", "北京");
            Assert.Throws<DicomCharacterSetException>(() => Write(t, "c.dcm", b, ExplicitLE));
            b.Add(DicomTag.SpecificCharacterSet, "CS", "ISO_IR 192");
            var path = Write(t, "c.dcm", b, ExplicitLE);
            Assert.Equal("北京", DicomFileReader.ReadElements(path).Single(e => e.Tag == InstitutionName).Value);
        }
    }
}
