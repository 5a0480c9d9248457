using DicomTools.Dicom;
using Xunit;

namespace DicomTools.Tests.Unit
{
    public class DicomTagParsingTests
    {
        [Theory]
        [InlineData("(0010,0010)", 0x0010, 0x0010)]
        [InlineData("0010,0020", 0x0010, 0x0020)]
        [InlineData("22000005", 0x2200, 0x0005)]
        [InlineData("0x7FE00010", 0x7FE0, 0x0010)]
        public void ParsesNumericForms(string text, int group, int element)
        {
            Assert.True(DicomTag.TryParse(text, out var tag));
            Assert.Equal((ushort)group, tag.Group);
            Assert.Equal((ushort)element, tag.Element);
        }

        [Theory]
        [InlineData("PatientName")]
        [InlineData("(0010,001G)")]
        [InlineData("001000100")]
        [InlineData("")]
        public void RejectsWhatIsNotANumericTag(string text) => Assert.False(DicomTag.TryParse(text, out _));

        [Fact]
        public void PrintsAsDcmdumpDoes() => Assert.Equal("(7FE0,0010)", new DicomTag(0x7FE0, 0x10).ToString());
    }
}
