using System.Collections.Generic;
using DicomTools.Engine.Tagging;
using Xunit;

namespace DicomTools.Tests.Unit.Tagging
{
    public class SampleMetadataConverterTests
    {
        private static KeyValuePair<string, object?> F(string key, object? value) => new KeyValuePair<string, object?>(key, value);

        [Fact]
        public void ReadsTheMetadataApisOwnKeys()
        {
            var m = SampleMetadataConverter.FromFields(new[]
            {
                F("sample_id", "ref0000022tes-cbc"), F("patient-name", "Rex^Garcia"), F("request_species", "Canine"),
                F("test_type", "CBC"), F("clinic-name", "Clínica Veterinária São João"), F("order_date", "2026-11-27"),
            });
            Assert.Equal("ref0000022tes-cbc", m.SampleId);
            Assert.Equal("Rex^Garcia", m.PatientName);
            Assert.Equal("Canine", m.Species);
            Assert.Equal("CBC", m.TestType);
            Assert.Equal("Clínica Veterinária São João", m.ClinicName);
            Assert.Equal("2026-11-27", m.AdditionalFields["order_date"]);
            Assert.Empty(SampleMetadataConverter.GetMissingFields(m));
        }

        [Fact]
        public void ReadsThePropertyNamesWhateverTheirCase()
        {
            var m = SampleMetadataConverter.FromFields(new[]
            {
                F("SampleId", "S1"), F("patientname", "A^B"), F("SPECIES", "Feline"), F("TestType", "UA"), F("ClinicName", "Vet"),
            });
            Assert.Equal(("S1", "A^B", "Feline", "UA", "Vet"), (m.SampleId, m.PatientName, m.Species, m.TestType, m.ClinicName));
        }

        [Fact]
        public void NamesEveryMissingFieldInTheMessage()
        {
            var m = SampleMetadataConverter.FromFields(new[] { F("SampleId", "S1"), F("PatientName", "  "), F("Species", "Canine") });
            var ex = Assert.Throws<SampleMetadataException>(() => SampleMetadataConverter.EnsureComplete(m));
            Assert.Equal(new[] { "PatientName", "TestType", "ClinicName" }, ex.Fields);
            Assert.Contains("PatientName, TestType, ClinicName", ex.Message);
            Assert.Contains("No file was changed", ex.Message);
        }

        [Fact]
        public void RefusesTwoSpellingsOfOneFieldThatDisagree()
        {
            var ex = Assert.Throws<SampleMetadataException>(() =>
                SampleMetadataConverter.FromFields(new[] { F("PatientName", "A^B"), F("patient-name", "C^D") }));
            Assert.Equal(new[] { "PatientName" }, ex.Fields);
            Assert.Contains("patient-name", ex.Message);
        }

        [Fact]
        public void AcceptsTwoSpellingsThatAgreeOrWhereOneIsEmpty()
        {
            var m = SampleMetadataConverter.FromFields(new[] { F("PatientName", "A^B"), F("patient-name", "A^B"), F("ClinicName", "X"), F("clinic-name", "") });
            Assert.Equal("A^B", m.PatientName);
            Assert.Equal("X", m.ClinicName);
        }

        [Fact]
        public void TurnsNumbersAndListsIntoInvariantText()
        {
            var previous = System.Globalization.CultureInfo.CurrentCulture;
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            try
            {
                Assert.Equal("12.5", SampleMetadataConverter.ToText(12.5));
                Assert.Equal(@"1.5\2", SampleMetadataConverter.ToText(new object[] { 1.5, 2 }));
                Assert.Null(SampleMetadataConverter.ToText(null));
            }
            finally
            {
                System.Globalization.CultureInfo.CurrentCulture = previous;
            }
        }
    }
}
