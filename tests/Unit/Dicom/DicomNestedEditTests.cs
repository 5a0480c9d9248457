using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DicomTools.Dicom;
using DicomTools.Tests.Unit.Support;
using Xunit;
using static DicomTools.Tests.Unit.Dicom.DicomTestFiles;

namespace DicomTools.Tests.Unit.Dicom
{
    /// <summary>Edits inside sequence items by path: the value lands, the lengths around it follow, nothing else moves.</summary>
    public class DicomNestedEditTests
    {
        private static readonly DicomTag ReferencedImageSequence = new DicomTag(0x0008, 0x1140);
        private static readonly DicomTag ReferencedSopInstanceUid = new DicomTag(0x0008, 0x1155);
        private static readonly DicomTag ReferencedSopClassUid = new DicomTag(0x0008, 0x1150);

        public static IEnumerable<object[]> Cases() =>
            from ts in new[] { ImplicitLE, ExplicitLE, ExplicitBE, Deflated }
            from undefined in new[] { true, false }
            select new object[] { ts, undefined };

        private static Dictionary<string, string?> Values(string path) =>
            DicomFileReader.ReadElements(path, new DicomReadOptions { IncludeSequences = true })
                .Where(e => e.Length >= 0 && e.VR != "SQ").ToDictionary(e => e.Path, e => e.Value);

        [Theory]
        [MemberData(nameof(Cases))]
        public void SetsAnElementTwoLevelsDownAndKeepsEveryOtherValue(string syntax, bool undefinedLength)
        {
            using var t = new TempFolder();
            var path = Write(t, "n.dcm", Image(undefinedSequences: undefinedLength), syntax);
            var before = Values(path);
            var target = DicomTagPath.Parse("(0008,1140)[0].(0040,A043)[0].(0008,0104)");

            var result = DicomFileEditor.Edit(path, new[] { DicomEdit.Set(target, "A much longer tissue description") }, new DicomEditOptions { FlushToDisk = false });

            Assert.True(result.Written);
            var change = Assert.Single(result.Changes);
            Assert.Equal(target, change.Path);
            Assert.Equal("Tissue", change.OldValue);
            var after = Values(path);
            Assert.Equal("A much longer tissue description", after[target.ToString()]);
            before[target.ToString()] = "A much longer tissue description";
            Assert.Equal(before, after);
            Assert.False(DicomFileEditor.Edit(path, new[] { DicomEdit.Set(target, "A much longer tissue description") }).Written);
        }

        [RequiresToolTheory("dcmdump")]
        [MemberData(nameof(Cases))]
        public void DcmdumpReadsTheResultWithOnlyTheEditedLineChanged(string syntax, bool undefinedLength)
        {
            using var t = new TempFolder();
            var path = Write(t, "d.dcm", Image(undefinedSequences: undefinedLength), syntax);
            var before = Dump(path);
            DicomFileEditor.Edit(path, new[] { DicomEdit.Set(DicomTagPath.Parse("ReferencedImageSequence[1].ReferencedSOPInstanceUID"), "1.2.3.4.5.6.9999") }, new DicomEditOptions { FlushToDisk = false });
            var diff = DiffDumps(before.Select(WithoutLength).ToList(), Dump(path).Select(WithoutLength).ToList());
            Assert.Equal(new HashSet<string> { "(0008,1155)" }, TagsIn(diff));
            Assert.Contains(diff, l => l.Contains("[1.2.3.4.5.6.9999]"));
        }

        [Fact]
        public void AddsAMissingElementInTagOrderAndRemovesOne()
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(undefinedSequences: false), ExplicitLE);
            DicomFileEditor.Edit(path, new[]
            {
                DicomEdit.Set(DicomTagPath.Parse("(0008,1140)[1].(0008,1150)"), "1.2.840.10008.5.1.4.1.1.2"),
                DicomEdit.Remove(DicomTagPath.Parse("(0008,1140)[0].(0008,1155)")),
            }, new DicomEditOptions { FlushToDisk = false });
            var items = DicomFileReader.ReadElements(path, new DicomReadOptions { IncludeSequences = true }).ToList();
            var second = items.Where(e => e.ParentPath == "(0008,1140)[1]").Select(e => e.Tag).ToList();
            Assert.Equal(new[] { ReferencedSopClassUid, ReferencedSopInstanceUid }, second);
            Assert.DoesNotContain(items, e => e.ParentPath == "(0008,1140)[0]" && e.Tag == ReferencedSopInstanceUid);
        }

        [Fact]
        public void AnItemThatDoesNotExistIsRefusedAndTheFileUntouched()
        {
            using var t = new TempFolder();
            var path = Write(t, "m.dcm", Image(), ExplicitLE);
            var bytes = File.ReadAllBytes(path);
            var ex = Assert.Throws<DicomValueException>(() => DicomFileEditor.Edit(path, new[] { DicomEdit.Set(DicomTagPath.Parse("(0008,1140)[5].(0008,1155)"), "1.2.3") }));
            Assert.Equal("item-missing", ex.Rule);
            Assert.Throws<DicomValueException>(() => DicomFileEditor.Edit(path, new[] { DicomEdit.Set(DicomTagPath.Parse("(0040,0275)[0].(0040,0009)"), "X") }));
            Assert.Equal(bytes, File.ReadAllBytes(path));
        }

        [Fact]
        public void ANonAsciiValueInAnItemConvertsTheDatasetToUtf8()
        {
            using var t = new TempFolder();
            var path = Write(t, "u.dcm", Image(undefinedSequences: false), ExplicitLE);
            var target = DicomTagPath.Parse("(0008,1140)[0].(0040,A043)[0].(0008,0104)");
            var result = DicomFileEditor.Edit(path, new[] { DicomEdit.Set(target, "Tissu pulmonaire gauche é") }, new DicomEditOptions { FlushToDisk = false });
            Assert.Contains(result.Changes, c => c.Tag == DicomTag.SpecificCharacterSet);
            Assert.Equal("Tissu pulmonaire gauche é", Values(path)[target.ToString()]);
            Assert.Throws<DicomCharacterSetException>(() => DicomFileEditor.Edit(Write(t, "r.dcm", Image(), ExplicitLE), new[] { DicomEdit.Set(target, "é") }, new DicomEditOptions { CharacterSetPolicy = CharacterSetPolicy.Refuse }));
        }

        [Fact]
        public void AnItemWithItsOwnCharacterSetIsEncodedInIt()
        {
            using var t = new TempFolder();
            var item = new DicomDatasetBuilder().Add(DicomTag.SpecificCharacterSet, "CS", "ISO_IR 100").Add(new DicomTag(0x0008, 0x0104), "LO", "x");
            var b = Image().AddSequence(new DicomTag(0x0040, 0x0275), new[] { item });
            var path = Write(t, "c.dcm", b, ExplicitLE);
            DicomFileEditor.Edit(path, new[] { DicomEdit.Set(DicomTagPath.Parse("(0040,0275)[0].(0008,0104)"), "Müller") }, new DicomEditOptions { FlushToDisk = false });
            var element = DicomFileReader.ReadElements(path, new DicomReadOptions { IncludeSequences = true }).Single(e => e.Path == "(0040,0275)[0].(0008,0104)");
            Assert.Equal("Müller", element.GetString());
            Assert.Equal(new byte[] { (byte)'M', 0xFC, (byte)'l', (byte)'l', (byte)'e', (byte)'r' }, element.GetBytes());
        }

        [Theory]
        [InlineData("(0040,0275)[0].(0040,0009)", "(0040,0275)[0].(0040,0009)")]
        [InlineData("RequestAttributesSequence[0].ScheduledProcedureStepID", "(0040,0275)[0].(0040,0009)")]
        [InlineData("ReferencedImageSequence[2].PurposeOfReferenceCodeSequence[10].CodeValue", "(0008,1140)[2].(0040,A170)[10].(0008,0100)")]
        [InlineData("PatientName", "(0010,0010)")]
        [InlineData("(0040,0275)[0](0040,0008)[1].(0008,0100)", "(0040,0275)[0].(0040,0008)[1].(0008,0100)")]
        public void PathsParseFromTagsAndKeywords(string text, string canonical)
        {
            var path = DicomTagPath.Parse(text);
            Assert.Equal(canonical, path.ToString());
            Assert.Equal(path, DicomTagPath.Parse(canonical));
        }

        [Theory]
        [InlineData("(0040,0275).(0040,0009)")]
        [InlineData("(0040,0275)[x].(0040,0009)")]
        [InlineData("(0040,0275)[0]")]
        [InlineData("NoSuchKeyword[0].PatientName")]
        [InlineData("")]
        public void MalformedPathsAreRefused(string text)
        {
            Assert.False(DicomTagPath.TryParse(text, out _));
            Assert.Throws<FormatException>(() => DicomTagPath.Parse(text));
        }
    }
}
