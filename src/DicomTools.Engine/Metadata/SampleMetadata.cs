using System;
using System.Collections.Generic;

namespace DicomTools.Engine.Metadata
{
    /// <summary>
    /// A sample's metadata, as Get-SampleMetadata returns it and Set-DicomTags -Metadata takes it.
    /// Property names are the module's contract; the metadata API's own keys (patient-name, request_species,
    /// test_type, clinic-name) map onto them.
    /// </summary>
    public sealed class SampleMetadata
    {
        public string SampleId { get; set; } = string.Empty;
        public string PatientName { get; set; } = string.Empty;
        public string Species { get; set; } = string.Empty;
        public string TestType { get; set; } = string.Empty;
        public string ClinicName { get; set; } = string.Empty;

        /// <summary>Every other field the API answered with, kept as text (JSON for non-strings).</summary>
        public IDictionary<string, string> AdditionalFields { get; } = new FieldDictionary();

        public override string ToString() => SampleId;
    }

    /// <summary>
    /// The metadata's other fields; prints as "name=value; ..." so Export-Csv and "$metadata.AdditionalFields" show
    /// the fields, not <c>Dictionary`2[System.String,System.String]</c>.
    /// </summary>
    internal sealed class FieldDictionary : Dictionary<string, string>
    {
        public FieldDictionary() : base(StringComparer.Ordinal) { }

        public override string ToString()
        {
            var parts = new List<string>(Count);
            foreach (var pair in this) parts.Add(pair.Key + "=" + pair.Value);
            return string.Join("; ", parts);
        }
    }
}
