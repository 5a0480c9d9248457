using DicomTools.Dicom;
using Xunit;

namespace DicomTools.Tests.Unit.Dicom
{
    public class DicomDictionaryTests
    {
        [Theory]
        [InlineData("BarcodeValue", 0x2200, 0x0005, "LT")]
        [InlineData("PatientSpeciesDescription", 0x0010, 0x2201, "LO")]
        [InlineData("PatientName", 0x0010, 0x0010, "PN")]
        [InlineData("patientid", 0x0010, 0x0020, "LO")]
        [InlineData("(0008,0080)", 0x0008, 0x0080, "LO")]
        public void ResolvesKeywordsAndNumbers(string text, int group, int element, string vr)
        {
            Assert.True(DicomDictionary.TryResolve(text, out var tag));
            Assert.Equal(new DicomTag((ushort)group, (ushort)element), tag);
            Assert.True(DicomDictionary.TryGetByTag(tag, out var entry));
            Assert.Equal(vr, entry.VR);
        }

        [Fact]
        public void RepeatingGroupsMatchEvenGroupsOnly()
        {
            Assert.True(DicomDictionary.TryGetByTag(new DicomTag(0x6002, 0x3000), out var overlay));
            Assert.Equal("OverlayData", overlay.Keyword);
            Assert.Equal(new DicomTag(0x6002, 0x3000), overlay.Tag);
            Assert.False(DicomDictionary.TryGetByTag(new DicomTag(0x6003, 0x3000), out _));
        }

        [Fact]
        public void RetiredEntriesLoseThePrefixAndKeepTheFlag()
        {
            Assert.True(DicomDictionary.TryGetByKeyword("CommandLengthToEnd", out var e));
            Assert.True(e.Retired);
            Assert.Equal("Command Length To End", e.Name);
            Assert.True(DicomDictionary.Entries.Count > 4000);
        }

        [Theory]
        [InlineData("SOPInstanceUID", "SOP Instance UID", "UI", "1")]
        [InlineData("PatientName", "Patient Name", "PN", "1")]
        [InlineData("ReferencedFrameNumber", "Referenced Frame Number", "IS", "1-n")]
        public void NamesComeFromKeywordsAndFieldsFromTheirColumns(string keyword, string name, string vr, string vm)
        {
            Assert.True(DicomDictionary.TryGetByKeyword(keyword, out var e));
            Assert.Equal(name, e.Name);
            Assert.Equal(vr, e.VR);
            Assert.Equal(vm, e.VM);
            Assert.False(e.Retired);
        }

        [Fact]
        public void RangeEntriesKeepTheirFieldsForEveryGroupTheyMatch()
        {
            Assert.True(DicomDictionary.TryGetByTag(new DicomTag(0x601E, 0x0010), out var rows));
            Assert.Equal("OverlayRows", rows.Keyword);
            Assert.Equal("Overlay Rows", rows.Name);
            Assert.Equal("US", rows.VR);
        }

        [Fact]
        public void PrivateCreatorsReadAsLo() => Assert.Equal("LO", DicomDictionary.VrOf(new DicomTag(0x0029, 0x0010)));

        [Fact]
        public void UnknownKeywordIsNotResolved() => Assert.False(DicomDictionary.TryResolve("NoSuchKeyword", out _));
    }
}
