using System;
using System.Linq;
using DicomTools.Dicom;
using DicomTools.Engine.Output;
using DicomTools.Tests.Unit.Dicom;
using Xunit;
using static DicomTools.Tests.Unit.Dicom.DicomTestFiles;

namespace DicomTools.Tests.Unit.Output
{
    /// <summary>Values typed by VR for scripts (Get-DicomTag's Value), the text kept where it does not parse.</summary>
    public class DicomTypedValueTests
    {
        [Fact]
        public void TypesEachValueAsItsVrSaysAndKeepsTextThatDoesNotParse()
        {
            using var t = new TempFolder();
            var b = Image().Add(new DicomTag(0x0028, 0x0030), "DS", "12.5\\3").Add(new DicomTag(0x0020, 0x0013), "IS", "42")
                .Add(new DicomTag(0x0008, 0x0030), "TM", "101530.25").Add(new DicomTag(0x0008, 0x002A), "DT", "20240102101530+0100")
                .Add(new DicomTag(0x0018, 0x1020), "LO", "a\\b")
                .Add(new DicomTag(0x0018, 0x9074), "DT", "20240102101530")
                .AddBinary(new DicomTag(0x0018, 0x9118), "FD", BitConverter.GetBytes(2.75));
            var path = Write(t, "v.dcm", b, ExplicitBE);
            var e = DicomFileReader.ReadElements(path).ToDictionary(x => x.Path, DicomTypedValue.Of);

            Assert.Equal("Doe^Rex", e["(0010,0010)"]);
            Assert.Equal(new DateTime(2024, 1, 2), e["(0008,0020)"]);
            // A damaged date (the writer refuses one, a file from elsewhere may hold it) stays text.
            Assert.Equal("2024XX02", DicomTypedValue.Of(new DicomElementInfo(new DicomTag(0x0008, 0x0021), "SeriesDate", "DA", 8, 0, 0, "2024XX02", string.Empty)));
            Assert.Equal(new TimeSpan(0, 10, 15, 30, 250), e["(0008,0030)"]);
            Assert.Equal(new DateTimeOffset(2024, 1, 2, 10, 15, 30, TimeSpan.FromHours(1)), e["(0008,002A)"]);
            Assert.Equal(new DateTime(2024, 1, 2, 10, 15, 30), e["(0018,9074)"]);
            Assert.Equal(42, e["(0020,0013)"]);
            Assert.Equal(4, e["(0028,0010)"]);
            Assert.Equal(2.75, e["(0018,9118)"]);
            var spacing = Assert.IsType<JoinedList<object>>(e["(0028,0030)"]);
            Assert.Equal(new object[] { 12.5, 3.0 }, spacing);
            Assert.Equal("12.5\\3", spacing.ToString());
            var protocol = Assert.IsType<JoinedList<object>>(e["(0018,1020)"]);
            Assert.Equal(new object[] { "a", "b" }, protocol);
            Assert.Equal("[sequence, undefined length]", e["(0008,1140)"]);
            Assert.Equal("[32 bytes]", e["(7FE0,0010)"]);
        }

        [Fact]
        public void JoinedListPrintsItsItemsNotItsTypeName()
        {
            Assert.Equal("a; b", new JoinedList<string>(new[] { "a", "b" }).ToString());
            Assert.Equal("1, 2", new JoinedList<int>(new[] { 1, 2 }, ", ").ToString());
            Assert.Equal(string.Empty, new JoinedList<string>(Array.Empty<string>()).ToString());
        }
    }
}
