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
        public IDictionary<string, string> AdditionalFields { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

        public override string ToString() => SampleId;
    }
}
