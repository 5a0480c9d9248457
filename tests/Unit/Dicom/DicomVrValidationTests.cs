using System.IO;
using DicomTools.Dicom;
using Xunit;
using static DicomTools.Tests.Unit.Dicom.DicomTestFiles;

namespace DicomTools.Tests.Unit.Dicom
{
    /// <summary>Issue 9 item 4: values a VR does not allow (PS3.5 §6.2) are refused before any byte is written.</summary>
    public class DicomVrValidationTests
    {
        private static void AssertRefused(DicomTag tag, string value, string rule)
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), ExplicitLE);
            var before = File.ReadAllBytes(path);
            var ex = Assert.Throws<DicomValueException>(() => DicomFileEditor.Edit(path, new[] { DicomEdit.Set(tag, value) }, new DicomEditOptions { FlushToDisk = false }));
            Assert.Equal(rule, ex.Rule);
            Assert.Equal(before, File.ReadAllBytes(path));
            Assert.Single(Directory.GetFiles(t.Path));
        }

        [Theory]
        [InlineData("256199")] // hour 25
        [InlineData("246000")] // hour 24
        [InlineData("106000")] // minute 60
        [InlineData("105961")] // second 61
        [InlineData("1")]
        [InlineData("101")]
        [InlineData("1015.5")] // a fraction needs seconds
        [InlineData("101530.1234567")] // 7 fraction digits
        [InlineData("10:15:30")] // ACR-NEMA form, retired
        [InlineData("10.15")]
        public void TimeOutOfRangeOrMalformedIsRefused(string value) => AssertRefused(DicomTags.StudyTime, value, "time-format");

        [Theory]
        [InlineData("Infinity")]
        [InlineData("-Infinity")]
        [InlineData("NaN")]
        [InlineData("1e999")]
        [InlineData("0x10")]
        [InlineData("1,5")]
        [InlineData("12345678901234567")] // 17 characters
        [InlineData(".")]
        [InlineData("1e")]
        public void DecimalStringThatIsNotAFiniteNumberIsRefused(string value)
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), ExplicitLE);
            var ex = Assert.Throws<DicomValueException>(() => DicomFileEditor.Edit(path, new[] { DicomEdit.Set(DicomTags.PatientWeight, value) }, new DicomEditOptions { FlushToDisk = false }));
            Assert.True(ex.Rule == "decimal-format" || ex.Rule == "max-length", ex.Rule);
        }

        [Theory]
        [InlineData("2147483648")]
        [InlineData("-2147483649")]
        [InlineData("1.0")]
        [InlineData("+")]
        [InlineData("1 2")]
        public void IntegerStringOutOfRangeIsRefused(string value) => AssertRefused(DicomTags.SeriesNumber, value, "integer-format");

        [Theory]
        [InlineData("2024")]
        [InlineData("202401")]
        [InlineData("20240102101530.123456+0100")]
        [InlineData("20240102")]
        [InlineData("2024010210")]
        [InlineData("20240102101530-0500")]
        public void ValidDateTimesAreAccepted(string value)
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), ExplicitLE);
            var result = DicomFileEditor.Edit(path, new[] { DicomEdit.Set(DicomTags.AcquisitionDateTime, value) }, new DicomEditOptions { FlushToDisk = false });
            Assert.True(result.Written);
        }

        [Theory]
        [InlineData("20241302")] // month 13
        [InlineData("20240230")] // 30 February
        [InlineData("2024010225")] // hour 25
        [InlineData("20240102101530+1500")] // offset beyond +14:00
        [InlineData("202401021015.5")] // a fraction needs seconds
        [InlineData("20240102101530.1234567")]
        [InlineData("202")]
        public void InvalidDateTimesAreRefused(string value) => AssertRefused(DicomTags.AcquisitionDateTime, value, "datetime-format");

        [Theory]
        [InlineData("00")]
        [InlineData("2359")]
        [InlineData("235960")] // leap second
        [InlineData("101530.25")]
        [InlineData("101530.123456")]
        public void ValidTimesAreAccepted(string value)
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), ExplicitLE);
            Assert.True(DicomFileEditor.Edit(path, new[] { DicomEdit.Set(DicomTags.StudyTime, value) }, new DicomEditOptions { FlushToDisk = false }).Written);
        }

        [Theory]
        [InlineData("70.5")]
        [InlineData("-1.25E+3")]
        [InlineData(".5")]
        [InlineData("5.")]
        [InlineData("1234567890123456")]
        public void ValidDecimalStringsAreAccepted(string value)
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), ExplicitLE);
            Assert.True(DicomFileEditor.Edit(path, new[] { DicomEdit.Set(DicomTags.PatientWeight, value) }, new DicomEditOptions { FlushToDisk = false }).Written);
        }

        [Fact]
        public void TheIssuesExampleIsRefusedAsAWholeAndNothingIsWritten()
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), ExplicitLE);
            var before = File.ReadAllBytes(path);
            Assert.Throws<DicomValueException>(() => DicomFileEditor.Edit(path, new[]
            {
                DicomEdit.Set(DicomTags.StudyTime, "256199"),
                DicomEdit.Set(DicomTags.PatientWeight, "Infinity"),
            }, new DicomEditOptions { FlushToDisk = false }));
            Assert.Equal(before, File.ReadAllBytes(path));
        }

        [Theory]
        [InlineData("SH", "12345678901234567")]
        [InlineData("LO", "x")]
        [InlineData("AE", "12345678901234567")]
        [InlineData("CS", "lower")]
        [InlineData("UI", "1.2.03")]
        [InlineData("AS", "3Y")]
        [InlineData("DA", "20241301")]
        public void EveryStringVrIsChecked(string vr, string value)
        {
            if (vr == "LO") value = new string('x', 65);
            var tag = vr switch
            {
                "SH" => DicomTags.AccessionNumber,
                "LO" => DicomTags.InstitutionName,
                "AE" => DicomTags.StationAETitle,
                "CS" => DicomTags.Modality,
                "UI" => DicomTags.StudyInstanceUID,
                "AS" => DicomTags.PatientAge,
                _ => DicomTags.StudyDate,
            };
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), ExplicitLE);
            var before = File.ReadAllBytes(path);
            Assert.Throws<DicomValueException>(() => DicomFileEditor.Edit(path, new[] { DicomEdit.Set(tag, value) }, new DicomEditOptions { FlushToDisk = false }));
            Assert.Equal(before, File.ReadAllBytes(path));
        }
    }
}
