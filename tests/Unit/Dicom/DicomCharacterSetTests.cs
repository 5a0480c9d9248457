using System.IO;
using System.Linq;
using System.Text;
using DicomTools.Dicom;
using DicomTools.Tests.Unit.Support;
using Xunit;
using static DicomTools.Tests.Unit.Dicom.DicomTestFiles;

namespace DicomTools.Tests.Unit.Dicom
{
    public class DicomCharacterSetTests
    {
        private const string Clinic = "Clínica Veterinária São João";
        private static readonly DicomEditOptions NoFlush = new DicomEditOptions { FlushToDisk = false };

        private static string Value(string path, DicomTag tag, bool sequences = false) =>
            DicomFileReader.ReadElements(path, new DicomReadOptions { IncludeSequences = sequences }).First(e => e.Tag == tag).Value!;

        private static DicomDatasetBuilder WithTextInSequence(string? charset, string name, string nested)
        {
            var b = Image(charset: charset);
            b.Add(PatientName, "PN", name);
            var item = new DicomDatasetBuilder().Add(new DicomTag(0x0040, 0x0007), "LO", nested);
            b.AddSequence(new DicomTag(0x0040, 0x0275), new[] { item }, undefinedLength: false);
            return b;
        }

        [RequiresToolFact("dcmdump")]
        public void NoCharsetAndANonAsciiValueSwitchesToUtf8()
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), ExplicitLE);
            var before = Dump(path);

            var result = DicomFileEditor.Edit(path, new[] { DicomEdit.Set(InstitutionName, Clinic) }, NoFlush);

            Assert.True(result.Written);
            Assert.Contains(result.Changes, c => c.Tag == DicomTag.SpecificCharacterSet && c.OldValue == null && c.NewValue == "ISO_IR 192");
            var diff = DiffDumps(before, Dump(path));
            Assert.Contains(diff, l => l.StartsWith("+(0008,0005) CS [ISO_IR 192]"));
            Assert.Contains(diff, l => l.StartsWith("+(0008,0080) LO [" + Clinic + "]"));
            Assert.Equal(new[] { "(0008,0005)", "(0008,0080)" }, TagsIn(diff).OrderBy(x => x));
            Assert.Equal(Clinic, Value(path, InstitutionName));
        }

        [Fact]
        public void RefusePolicyThrowsAndLeavesTheFileAlone()
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), ExplicitLE);
            var bytes = File.ReadAllBytes(path);
            var ex = Assert.Throws<DicomCharacterSetException>(() =>
                DicomFileEditor.Edit(path, new[] { DicomEdit.Set(InstitutionName, Clinic) }, new DicomEditOptions { CharacterSetPolicy = CharacterSetPolicy.Refuse }));
            Assert.Equal(InstitutionName, ex.Tag);
            Assert.Equal("LO", ex.VR);
            Assert.Contains("character-repertoire", ex.Message);
            Assert.Contains("InstitutionName", ex.Message);
            Assert.Equal(bytes, File.ReadAllBytes(path));
        }

        [RequiresToolFact("dcmdump")]
        public void Latin1DatasetKeepsItsCharsetWhenTheValueFits()
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", WithTextInSequence("ISO_IR 100", "Müller^Rex", "Gewebe ä"), ExplicitLE);
            var before = Dump(path);
            DicomFileEditor.Edit(path, new[] { DicomEdit.Set(InstitutionName, "São João") }, NoFlush);
            var diff = DiffDumps(before, Dump(path));
            Assert.Equal(new[] { "(0008,0080)" }, TagsIn(diff));
            Assert.Equal("São João", Value(path, InstitutionName));
            var raw = File.ReadAllBytes(path);
            Assert.True(IndexOf(raw, new byte[] { (byte)'S', 0xE3, (byte)'o' }) > 0, "the value is stored in ISO 8859-1");
        }

        [RequiresToolTheory("dcmdump")]
        [InlineData(ExplicitLE)]
        [InlineData(ImplicitLE)]
        [InlineData(ExplicitBE)]
        [InlineData(Deflated)]
        public void Latin1DatasetIsTranscodedWhole_TopLevelAndSequences_WhenANewValueNeedsUtf8(string syntax)
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", WithTextInSequence("ISO_IR 100", "Müller^Rex", "Gewebe ä"), syntax);
            var before = Dump(path, "+U8").Select(WithoutLength).ToList();

            var result = DicomFileEditor.Edit(path, new[] { DicomEdit.Set(InstitutionName, "Zürich 北京") }, NoFlush);

            Assert.Contains(result.Changes, c => c.Tag == DicomTag.SpecificCharacterSet && c.OldValue == "ISO_IR 100" && c.NewValue == "ISO_IR 192");
            var after = Dump(path, "+U8").Select(WithoutLength).ToList();
            // dcmdump +U8 converts both dumps to UTF-8 (and shows ISO_IR 192 for both): the text must be the same but for the edit.
            Assert.Equal(new[] { "(0008,0080)" }, TagsIn(DiffDumps(before, after)));
            Assert.Equal("ISO_IR 192", Value(path, DicomTag.SpecificCharacterSet));
            Assert.Equal("Müller^Rex", Value(path, PatientName));
            Assert.Equal("Gewebe ä", Value(path, new DicomTag(0x0040, 0x0007), sequences: true));
            if (syntax == Deflated) return; // compressed: the decoded checks above are what can be seen
            var raw = File.ReadAllBytes(path);
            Assert.True(IndexOf(raw, Encoding.UTF8.GetBytes("Müller")) > 0, "existing text is now UTF-8");
            Assert.True(IndexOf(raw, Encoding.UTF8.GetBytes("Gewebe ä")) > 0, "text inside sequences is now UTF-8");
        }

        [Fact]
        public void Utf8DatasetTakesAnyText()
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(charset: "ISO_IR 192"), ExplicitLE);
            var result = DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "Ёжик^Тузик"), DicomEdit.Set(InstitutionName, Clinic) }, NoFlush);
            Assert.Equal(2, result.Changes.Count);
            Assert.Equal("Ёжик^Тузик", Value(path, PatientName));
            Assert.Equal("ISO_IR 192", Value(path, DicomTag.SpecificCharacterSet));
        }

        private static byte[] Iso2022Dump(string charset, byte[] personName)
        {
            var ms = new MemoryStream();
            void Line(string s) { var b = Encoding.ASCII.GetBytes(s); ms.Write(b, 0, b.Length); }
            Line("(0008,0005) CS [" + charset + "]\n(0008,0016) UI =SecondaryCaptureImageStorage\n(0008,0018) UI [1.2.3.4.6]\n(0010,0010) PN [");
            ms.Write(personName, 0, personName.Length);
            Line("]\n(0010,0020) LO [ID1]\n");
            return ms.ToArray();
        }

        private static byte[] Bytes(string latin1WithEscapes) => Encoding.Latin1.GetBytes(latin1WithEscapes);

        /// <summary>The examples of PS3.5 Annex H (Japanese, JIS X 0208) and Annex I (Korean, KS X 1001).</summary>
        [RequiresToolTheory("dump2dcm")]
        [InlineData("\\ISO 2022 IR 87", "Yamada^Tarou=\u001b$B;3ED\u001b(B^\u001b$BB@O:\u001b(B=\u001b$B$d$^$@\u001b(B^\u001b$B$?$m$&\u001b(B", "Yamada^Tarou=山田^太郎=やまだ^たろう")]
        [InlineData("\\ISO 2022 IR 149", "Hong^Gildong=\u001b$)C\u00fb\u00f3^\u001b$)C\u00d1\u00ce\u00d4\u00d7=\u001b$)C\u00c8\u00ab^\u001b$)C\u00b1\u00e6\u00b5\u00bf", "Hong^Gildong=洪^吉洞=홍^길동")]
        public void Iso2022FilesDecodeAndConvertToUtf8OnlyWhenNeeded(string charset, string rawName, string expected)
        {
            using var t = new TempFolder();
            var path = DumpToFile(t, "j.dcm", Iso2022Dump(charset, Bytes(rawName)), "-q");
            Assert.Equal(expected, Value(path, PatientName));

            // ASCII fits the initial G0 set: no conversion, the name stays byte-identical.
            var r1 = DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientId, "ID2") }, NoFlush);
            Assert.Single(r1.Changes);
            Assert.True(IndexOf(File.ReadAllBytes(path), Bytes(rawName)) > 0);
            Assert.Equal(charset, Value(path, DicomTag.SpecificCharacterSet));

            // A value that needs more: the dataset becomes UTF-8 and the name is transcoded, not lost.
            DicomFileEditor.Edit(path, new[] { DicomEdit.Set(InstitutionName, Clinic) }, NoFlush);
            Assert.Equal("ISO_IR 192", Value(path, DicomTag.SpecificCharacterSet));
            Assert.Equal(expected, Value(path, PatientName));
            Assert.Equal(Clinic, Value(path, InstitutionName));
            Assert.True(IndexOf(File.ReadAllBytes(path), Encoding.UTF8.GetBytes(expected)) > 0);
        }

        [Theory]
        [InlineData("ISO_IR 144", new byte[] { 0xB8, 0xD2, 0xD0, 0xDD }, "Иван")]
        [InlineData("ISO_IR 126", new byte[] { 0xC4, 0xE9, 0xEF, 0xED }, "Διον")]
        [InlineData("GB18030", new byte[] { 0xD6, 0xD0, 0xCE, 0xC4 }, "中文")]
        [InlineData("ISO_IR 192", new byte[] { 0xC3, 0xA9, 0x74, 0xC3, 0xA9 }, "été")]
        public void SingleByteAndMultiByteSetsDecode(string charset, byte[] value, string expected)
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(charset: charset).AddRaw(PatientName, "PN", value.Length % 2 == 0 ? value : value.Concat(new byte[] { 0x20 }).ToArray()), ExplicitLE);
            Assert.Equal(expected, Value(path, PatientName));
        }

        internal static int IndexOf(byte[] haystack, byte[] needle)
        {
            for (var i = 0; i + needle.Length <= haystack.Length; i++)
            {
                var ok = true;
                for (var j = 0; j < needle.Length && ok; j++) ok = haystack[i + j] == needle[j];
                if (ok) return i;
            }
            return -1;
        }
    }
}

namespace DicomTools.Tests.Unit.Dicom
{
    public class DicomCharacterSetEdgeTests
    {
        [Fact]
        public void AnUnknownCharacterSetIsNeverTranscodedOrWrittenWithNonAscii()
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image().AddRaw(DicomTag.SpecificCharacterSet, "CS", System.Text.Encoding.ASCII.GetBytes("ISO_IR 999  ")), ExplicitLE);
            var bytes = File.ReadAllBytes(path);
            var ex = Assert.Throws<DicomCharacterSetException>(() => DicomFileEditor.Edit(path, new[] { DicomEdit.Set(InstitutionName, "São") }));
            Assert.Contains("ISO_IR 999", ex.Message);
            Assert.Equal(bytes, File.ReadAllBytes(path));
            Assert.True(DicomFileEditor.Edit(path, new[] { DicomEdit.Set(InstitutionName, "Sao") }, new DicomEditOptions { FlushToDisk = false }).Written);
        }

        [Fact]
        public void SettingTheCharacterSetDeclaresHowNewValuesAreEncoded()
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), ExplicitLE);
            var result = DicomFileEditor.Edit(path, new[] { DicomEdit.Set(DicomTag.SpecificCharacterSet, "ISO_IR 100"), DicomEdit.Set(InstitutionName, "São") }, new DicomEditOptions { FlushToDisk = false });
            Assert.Equal(2, result.Changes.Count);
            Assert.True(DicomCharacterSetTests.IndexOf(File.ReadAllBytes(path), new byte[] { (byte)'S', 0xE3, (byte)'o' }) > 0);
            Assert.Equal("São", DicomFileReader.ReadElements(path).Single(e => e.Tag == InstitutionName).Value);
        }
    }
}
