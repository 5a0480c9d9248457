using System;
using System.Collections.Generic;
using System.Linq;
using DicomTools.Dicom;
using DicomTools.Engine.Metadata;
using DicomTools.Engine.Tagging;
using Xunit;

namespace DicomTools.Tests.Unit.Tagging
{
    public class SampleTagPlanTests
    {
        private static SampleMetadata Sample() => new SampleMetadata
        {
            SampleId = "ref0000022tes-cbc", PatientName = "Rex^Garcia", Species = "Canine", TestType = "CBC", ClinicName = "Northside",
        };

        private static KeyValuePair<string, string?> T(string key, string? value) => new KeyValuePair<string, string?>(key, value);

        [Theory]
        [InlineData(1, "ref0000022tes-cbc-001")]
        [InlineData(42, "ref0000022tes-cbc-042")]
        [InlineData(999, "ref0000022tes-cbc-999")]
        public void PatientIdIsTheSampleAndTheAttemptInThreeDigits(int attempt, string expected) =>
            Assert.Equal(expected, SampleTagPlan.FormatPatientId("ref0000022tes-cbc", attempt));

        [Theory]
        [InlineData(0)]
        [InlineData(1000)]
        public void AttemptNumbersOutsideThreeDigitsAreRefused(int attempt) =>
            Assert.Throws<ArgumentOutOfRangeException>(() => SampleTagPlan.Create(Sample(), attempt, null));

        [Fact]
        public void MetadataBecomesTheFiveTagsInTagOrderWithTheirVRs()
        {
            var plan = SampleTagPlan.Create(Sample(), 3, null);
            var edits = plan.Edits.Select(e => (e.Tag.ToString(), e.VR ?? "", e.Value ?? "")).ToArray();
            Assert.Equal(new[]
            {
                ("(0008,0080)", "LO", "Northside"),
                ("(0010,0010)", "PN", "Rex^Garcia"),
                ("(0010,0020)", "LO", "ref0000022tes-cbc-003"),
                ("(0010,2201)", "LO", "Canine"),
                ("(2200,0005)", "LT", "CBC"),
            }, edits);
            Assert.Equal("ref0000022tes-cbc-003", plan.PatientIdValue);
        }

        [Fact]
        public void IncompleteMetadataIsRefusedNamingTheField()
        {
            var m = Sample();
            m.Species = "";
            var ex = Assert.Throws<SampleMetadataException>(() => SampleTagPlan.Create(m, 1, null));
            Assert.Equal(new[] { "Species" }, ex.Fields);
        }

        [Fact]
        public void OtherTagsByKeywordOrNumberAreMergedInTagOrderAndNullRemoves()
        {
            var plan = SampleTagPlan.Create(Sample(), 1, new[] { T("(0010,1030)", "12.5"), T("PatientAge", "004Y"), T("PatientComments", null) });
            var tags = plan.Edits.Select(e => e.Tag.ToString()).ToArray();
            Assert.Equal(tags.OrderBy(t => t, StringComparer.Ordinal).ToArray(), tags);
            var age = plan.Edits.Single(e => e.Tag == new DicomTag(0x0010, 0x1010));
            Assert.Equal("004Y", age.Value);
            Assert.Null(age.VR);
            Assert.True(plan.Edits.Single(e => e.Tag == new DicomTag(0x0010, 0x4000)).IsRemove);
            Assert.Equal(8, plan.Edits.Count);
        }

        [Fact]
        public void TagsWithoutMetadataAreAPlanOfTheirOwn()
        {
            var plan = SampleTagPlan.Create(null, 1, new[] { T("PatientAge", "004Y") });
            Assert.Single(plan.Edits);
            Assert.Null(plan.PatientIdValue);
        }

        [Theory]
        [InlineData("PatientName", "given twice (by the sample metadata")]   // set twice
        [InlineData("NoSuchKeyword", "neither a DICOM keyword")]
        [InlineData("(0002,0010)", "File Meta")]
        [InlineData("(7FE0,0010)", "pixel data")]
        [InlineData("(0010,0000)", "group length")]
        [InlineData("SpecificCharacterSet", "character-set policy")]
        [InlineData("ReferencedImageSequence", "sequence")]
        public void TagsThatCannotBeSetAreRefusedSayingWhy(string key, string why)
        {
            var ex = Assert.Throws<ArgumentException>(() => SampleTagPlan.Create(Sample(), 1, new[] { T(key, "x") }));
            Assert.Contains(why, ex.Message);
        }

        [Fact]
        public void TheSameTagUnderTwoNamesIsRefused()
        {
            var ex = Assert.Throws<ArgumentException>(() => SampleTagPlan.Create(null, 1, new[] { T("PatientAge", "004Y"), T("(0010,1010)", "005Y") }));
            Assert.Contains("(0010,1010)", ex.Message);
        }

        [Fact]
        public void AValueItsVRRefusesIsRefusedOnceBeforeAnyFile()
        {
            var ex = Assert.Throws<DicomValueException>(() => SampleTagPlan.Create(null, 1, new[] { T("StationName", new string('x', 17)) }));
            Assert.Equal(new DicomTag(0x0008, 0x1010), ex.Tag);
            var m = Sample();
            m.ClinicName = @"Line one\Line two";
            Assert.Throws<DicomValueException>(() => SampleTagPlan.Create(m, 1, null));
        }

        [Fact]
        public void TextOutsideAsciiIsLeftToTheFilesCharacterSet()
        {
            var m = Sample();
            m.ClinicName = "Clínica Veterinária São João";
            Assert.Equal("Clínica Veterinária São João", SampleTagPlan.Create(m, 1, null).Edits.Single(e => e.Tag == SampleTagPlan.InstitutionName).Value);
        }

        [Fact]
        public void AKeyCanBeAPathIntoASequenceItem()
        {
            var plan = SampleTagPlan.Create(null, 1, new[] { T("RequestAttributesSequence[0].ScheduledProcedureStepID", "SPS-7"), T("(0040,0275)[1].(0040,0009)", null) });
            Assert.Equal(new[] { "(0040,0275)[0].(0040,0009)", "(0040,0275)[1].(0040,0009)" }, plan.Edits.Select(e => e.Path.ToString()).OrderBy(x => x));
            Assert.Contains(plan.Edits, e => e.IsRemove);
            Assert.Throws<ArgumentException>(() => SampleTagPlan.Create(null, 1, new[] { T("(0040,0275)[0].(0040,0009)", "A"), T("RequestAttributesSequence[0].ScheduledProcedureStepID", "B") }));
            Assert.Throws<ArgumentException>(() => SampleTagPlan.Create(null, 1, new[] { T("(0040,0275)[0].(0008,0005)", "ISO_IR 100") }));
            Assert.Throws<ArgumentException>(() => SampleTagPlan.Create(null, 1, new[] { T("(0040,0275).(0040,0009)", "X") }));
            Assert.Throws<DicomValueException>(() => SampleTagPlan.Create(null, 1, new[] { T("(0040,0275)[0].(0040,0009)", new string('x', 17)) }));
        }

        [Fact]
        public void NothingToDoIsRefused() =>
            Assert.Throws<ArgumentException>(() => SampleTagPlan.Create(null, 1, Array.Empty<KeyValuePair<string, string?>>()));
    }
}
