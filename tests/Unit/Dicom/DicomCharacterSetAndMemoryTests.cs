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
    /// <summary>Issue 9 items 1, 5 and 6: the UTF-8 conversion streams sequences, ISO_IR 6 is ASCII, misspelt terms are
    /// read with a warning, items' own character sets are honoured, DICOMDIRs are refused.</summary>
    public class DicomCharacterSetAndMemoryTests
    {
        private static readonly DicomEditOptions NoFlush = new DicomEditOptions { FlushToDisk = false };
        private static readonly DicomTag CodeMeaning = new DicomTag(0x0008, 0x0104);
        private static readonly DicomTag RequestAttributes = new DicomTag(0x0040, 0x0275);

        static DicomCharacterSetAndMemoryTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

        /// <summary>Zero bytes of a given length, without holding them.</summary>
        private sealed class Zeros : Stream
        {
            private long _left;
            public Zeros(long length) => _left = length;
            public override int Read(byte[] buffer, int offset, int count)
            {
                var n = (int)Math.Min(count, _left);
                Array.Clear(buffer, offset, n);
                _left -= n;
                return n;
            }
            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }

        private static Dictionary<string, DicomElementInfo> ReadAll(string path, Action<string>? warning = null) =>
            DicomFileReader.ReadElements(path, new DicomReadOptions { IncludeSequences = true, Warning = warning }).ToDictionary(e => e.Path);

        [Theory]
        [InlineData(Deflated)]
        [InlineData(ExplicitLE)]
        public void ConvertingToUtf8DoesNotHoldALargeValueInsideASequence(string syntax)
        {
            const long big = 96L * 1024 * 1024;
            using var t = new TempFolder();
            var item = new DicomDatasetBuilder()
                .Add(CodeMeaning, "LO", "Gewebe ä")
                .AddBinary(new DicomTag(0x0009, 0x1001), "OB", () => new Zeros(big), big);
            var b = Image(undefinedSequences: false, charset: "ISO_IR 100").AddSequence(RequestAttributes, new[] { item });
            var path = Write(t, "big.dcm", b, syntax);

            var before = GC.GetAllocatedBytesForCurrentThread();
            var result = DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "Łukasz^Żółć") }, NoFlush);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.True(result.Written);
            Assert.Contains(result.Changes, c => c.Tag == DicomTag.SpecificCharacterSet && c.NewValue == "ISO_IR 192");
            // The old code held the sequence (and the 96 MiB value) several times over; the stream copy holds buffers only.
            Assert.True(allocated < 24L * 1024 * 1024, "allocated " + allocated + " bytes");
            var after = ReadAll(path);
            Assert.Equal("Łukasz^Żółć", after["(0010,0010)"].GetString());
            Assert.Equal("Gewebe ä", after["(0040,0275)[0].(0008,0104)"].GetString());
            Assert.Equal(Encoding.UTF8.GetBytes("Gewebe ä"), after["(0040,0275)[0].(0008,0104)"].GetBytes().Take(Encoding.UTF8.GetByteCount("Gewebe ä")).ToArray());
            Assert.Equal(big, after["(0040,0275)[0].(0009,1001)"].Length);
        }

        [Fact]
        public void TheConversionKeepsDefinedLengthsOfSequencesAndItemsRight()
        {
            using var t = new TempFolder();
            var inner = new DicomDatasetBuilder().Add(CodeMeaning, "LO", "Lungengewebe ö").Add(new DicomTag(0x0008, 0x0100), "SH", "X");
            var item = new DicomDatasetBuilder().Add(new DicomTag(0x0040, 0x0009), "SH", "SPS é").AddSequence(new DicomTag(0x0040, 0x0008), new[] { inner, inner });
            var b = Image(undefinedSequences: false, charset: "ISO_IR 100").AddSequence(RequestAttributes, new[] { item, item });
            var path = Write(t, "n.dcm", b, ExplicitLE);
            var target = DicomTagPath.Parse("(0040,0275)[1].(0040,0008)[1].(0008,0100)");
            DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "Ωmega"), DicomEdit.Set(target, "Ü") }, NoFlush);
            var after = ReadAll(path);
            Assert.Equal("SPS é", after["(0040,0275)[1].(0040,0009)"].GetString());
            Assert.Equal("Lungengewebe ö", after["(0040,0275)[1].(0040,0008)[0].(0008,0104)"].GetString());
            Assert.Equal("Ü", after[target.ToString()].GetString());
            Assert.Equal("Ωmega", after["(0010,0010)"].GetString());
            var dump = Dump(path);
            Assert.DoesNotContain(dump, l => l.Contains("E: ", StringComparison.Ordinal) || l.Contains("W: ", StringComparison.Ordinal));
        }

        [Fact]
        public void IsoIr6IsAsciiSoANonAsciiValueConvertsTheFileToUtf8()
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(charset: "ISO_IR 6"), ExplicitLE);
            var result = DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "Müller^Jürgen") }, NoFlush);
            Assert.Contains(result.Changes, c => c.Tag == DicomTag.SpecificCharacterSet && c.OldValue == "ISO_IR 6" && c.NewValue == "ISO_IR 192");
            var after = ReadAll(path);
            Assert.Equal("ISO_IR 192", after["(0008,0005)"].GetString());
            Assert.Equal(Encoding.UTF8.GetBytes("Müller^Jürgen"), after["(0010,0010)"].GetBytes().Take(15).ToArray());
            var refused = Write(t, "r.dcm", Image(charset: "ISO_IR 6"), ExplicitLE);
            Assert.Throws<DicomCharacterSetException>(() => DicomFileEditor.Edit(refused, new[] { DicomEdit.Set(PatientName, "Müller") }, new DicomEditOptions { FlushToDisk = false, CharacterSetPolicy = CharacterSetPolicy.Refuse }));
        }

        [Theory]
        [InlineData("ISO-IR 101")]
        [InlineData("ISO_IR101")]
        [InlineData("iso_ir 101")]
        [InlineData("ISO IR 101")]
        public void AMisspeltCharacterSetIsReadAsWhatItMeansWithAWarning(string term)
        {
            using var t = new TempFolder();
            var latin2 = Encoding.GetEncoding(28592);
            var name = latin2.GetBytes("Łódź^Zażółć");
            var b = new DicomDatasetBuilder()
                .AddRaw(DicomTag.SpecificCharacterSet, "CS", Encoding.ASCII.GetBytes(term.Length % 2 == 1 ? term + " " : term))
                .Add(new DicomTag(0x0008, 0x0016), "UI", SecondaryCapture)
                .Add(DicomTag.SopInstanceUid, "UI", "1.2.3.4")
                .AddRaw(PatientName, "PN", name.Length % 2 == 1 ? name.Concat(new[] { (byte)' ' }).ToArray() : name);
            var path = Write(t, "m.dcm", b, ExplicitLE);
            var warnings = new List<string>();
            Assert.Equal("Łódź^Zażółć", ReadAll(path, warnings.Add)["(0010,0010)"].GetString());
            Assert.Contains(warnings, w => w.Contains(term, StringComparison.Ordinal) && w.Contains("ISO_IR 101", StringComparison.Ordinal));

            // An edit writes in the set the term means (Latin-2 here), and says what was odd.
            var editWarnings = new List<string>();
            var result = DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "Kraków") }, new DicomEditOptions { FlushToDisk = false, Warning = editWarnings.Add });
            Assert.DoesNotContain(result.Changes, c => c.Tag == DicomTag.SpecificCharacterSet);
            Assert.Single(editWarnings);
            Assert.Equal(latin2.GetBytes("Kraków"), ReadAll(path)["(0010,0010)"].GetBytes());
        }

        [Fact]
        public void TextInAnItemIsConvertedFromTheItemsOwnCharacterSet()
        {
            using var t = new TempFolder();
            var latin2 = Encoding.GetEncoding(28592);
            var text = latin2.GetBytes("Łódź");
            var item = new DicomDatasetBuilder().Add(DicomTag.SpecificCharacterSet, "CS", "ISO_IR 101").AddRaw(CodeMeaning, "LO", text);
            var b = Image(undefinedSequences: false, charset: "ISO_IR 100").AddSequence(RequestAttributes, new[] { item });
            var path = Write(t, "i.dcm", b, ExplicitLE);
            Assert.Equal("Łódź", ReadAll(path)["(0040,0275)[0].(0008,0104)"].GetString());

            DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "Ωmega") }, NoFlush);
            var after = ReadAll(path);
            Assert.Equal("Łódź", after["(0040,0275)[0].(0008,0104)"].GetString());
            Assert.Equal("ISO_IR 192", after["(0040,0275)[0].(0008,0005)"].GetString());
            Assert.Equal("Ωmega", after["(0010,0010)"].GetString());
        }

        [Fact]
        public void ANestedValueTheItemsSetCannotCarryConvertsTheDataset()
        {
            using var t = new TempFolder();
            var item = new DicomDatasetBuilder().Add(DicomTag.SpecificCharacterSet, "CS", "ISO_IR 100").Add(CodeMeaning, "LO", "x");
            var path = Write(t, "c.dcm", Image().AddSequence(RequestAttributes, new[] { item }), ExplicitLE);
            var target = DicomTagPath.Parse("(0040,0275)[0].(0008,0104)");
            DicomFileEditor.Edit(path, new[] { DicomEdit.Set(target, "Ωmega") }, NoFlush);
            var after = ReadAll(path);
            Assert.Equal("Ωmega", after[target.ToString()].GetString());
            Assert.Equal("ISO_IR 192", after["(0008,0005)"].GetString());
        }

        [Fact]
        public void ADicomDirIsRefusedAndLeftAsItWas()
        {
            using var t = new TempFolder();
            var record = new DicomDatasetBuilder().Add(new DicomTag(0x0004, 0x1430), "CS", "PATIENT").Add(PatientName, "PN", "Doe^Rex");
            var b = new DicomDatasetBuilder()
                .Add(new DicomTag(0x0004, 0x1130), "CS", "FILESET")
                .AddSequence(new DicomTag(0x0004, 0x1220), new[] { record }, false);
            var path = Write(t, "DICOMDIR", b, ExplicitLE);
            var before = File.ReadAllBytes(path);
            var ex = Assert.Throws<DicomValueException>(() => DicomFileEditor.Edit(path, new[] { DicomEdit.Set(DicomTagPath.Parse("(0004,1220)[0].(0010,0010)"), "Müller") }, NoFlush));
            Assert.Equal("dicomdir", ex.Rule);
            Assert.Contains("(0004,1400/1410/1420/1200/1202)", ex.Message);
            Assert.Equal(before, File.ReadAllBytes(path));

            // Known by its Media Storage SOP Class alone.
            var byClass = Write(t, "d2.dcm", new DicomDatasetBuilder().Add(new DicomTag(0x0008, 0x0016), "UI", "1.2.840.10008.1.3.10").Add(DicomTag.SopInstanceUid, "UI", "1.2.3"), ExplicitLE);
            var bytes = File.ReadAllBytes(byClass);
            Assert.Equal("dicomdir", Assert.Throws<DicomValueException>(() => DicomFileEditor.Edit(byClass, new[] { DicomEdit.Set(PatientName, "X") }, NoFlush)).Rule);
            Assert.Equal(bytes, File.ReadAllBytes(byClass));
        }
    }
}
