using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DicomTools.Engine.Metadata;

namespace DicomTools.Engine.Tagging
{
    /// <summary>Metadata that cannot be used: names every missing or conflicting field.</summary>
    public sealed class SampleMetadataException : ArgumentException
    {
        public SampleMetadataException(string message, IReadOnlyList<string> fields) : base(message) => Fields = fields;

        /// <summary>The fields at fault, by their <see cref="SampleMetadata"/> property names.</summary>
        public IReadOnlyList<string> Fields { get; }
    }

    /// <summary>
    /// Turns what an admin or the metadata API hands us (a hashtable, an object's properties, the API's JSON
    /// fields) into a <see cref="SampleMetadata"/>, and checks that every field the tags need is there.
    /// </summary>
    public static class SampleMetadataConverter
    {
        /// <summary>The fields Set-DicomTags writes, in the order they are reported when missing.</summary>
        public static readonly IReadOnlyList<string> RequiredFields = new[]
        {
            nameof(SampleMetadata.SampleId), nameof(SampleMetadata.PatientName), nameof(SampleMetadata.Species),
            nameof(SampleMetadata.TestType), nameof(SampleMetadata.ClinicName),
        };

        // Keys are compared without case, '-', '_' or spaces, so "patient-name", "patient_name" and
        // "PatientName" are one field. The API's own names that differ in more than that are listed here.
        private static readonly Dictionary<string, string> FieldByNormalizedKey = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["sampleid"] = nameof(SampleMetadata.SampleId),
            ["patientname"] = nameof(SampleMetadata.PatientName),
            ["species"] = nameof(SampleMetadata.Species),
            ["requestspecies"] = nameof(SampleMetadata.Species),
            ["testtype"] = nameof(SampleMetadata.TestType),
            ["clinicname"] = nameof(SampleMetadata.ClinicName),
        };

        /// <summary>
        /// Reads the fields from name/value pairs. Values are made text (numbers in the invariant culture);
        /// unknown fields are kept in <see cref="SampleMetadata.AdditionalFields"/>. Throws
        /// <see cref="SampleMetadataException"/> when two spellings of one field disagree.
        /// </summary>
        public static SampleMetadata FromFields(IEnumerable<KeyValuePair<string, object?>> fields)
        {
            if (fields == null) throw new ArgumentNullException(nameof(fields));
            var metadata = new SampleMetadata();
            var seenFrom = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in fields)
            {
                if (pair.Key == null) continue;
                var text = ToText(pair.Value);
                if (!FieldByNormalizedKey.TryGetValue(Normalize(pair.Key), out var field))
                {
                    if (text != null) metadata.AdditionalFields[pair.Key] = text;
                    continue;
                }
                var value = text?.Trim() ?? string.Empty;
                if (seenFrom.TryGetValue(field, out var earlierKey))
                {
                    var earlier = Get(metadata, field);
                    if (!string.Equals(earlier, value, StringComparison.Ordinal) && earlier.Length > 0 && value.Length > 0)
                        throw new SampleMetadataException(
                            $"The metadata gives {field} twice with different values ('{earlierKey}' and '{pair.Key}'). Keep one of them.",
                            new[] { field });
                    if (value.Length == 0) continue;
                }
                seenFrom[field] = pair.Key;
                Set(metadata, field, value);
            }
            return metadata;
        }

        /// <summary>The required fields that are empty, in <see cref="RequiredFields"/> order.</summary>
        public static IReadOnlyList<string> GetMissingFields(SampleMetadata metadata)
        {
            if (metadata == null) throw new ArgumentNullException(nameof(metadata));
            return RequiredFields.Where(f => string.IsNullOrWhiteSpace(Get(metadata, f))).ToArray();
        }

        /// <summary>Throws <see cref="SampleMetadataException"/> naming every missing field.</summary>
        public static void EnsureComplete(SampleMetadata metadata)
        {
            var missing = GetMissingFields(metadata);
            if (missing.Count == 0) return;
            var names = string.Join(", ", missing);
            throw new SampleMetadataException(
                (missing.Count == 1 ? $"The sample metadata has no {names}" : $"The sample metadata is missing {names}")
                + $" (required: {string.Join(", ", RequiredFields)}; the API's keys patient-name, request_species, test_type, clinic-name and sample_id are accepted too). No file was changed.",
                missing);
        }

        /// <summary>A value as text: null stays null, lists are joined with '\' (DICOM's value separator).</summary>
        public static string? ToText(object? value)
        {
            switch (value)
            {
                case null: return null;
                case string s: return s;
                case IFormattable f: return f.ToString(null, CultureInfo.InvariantCulture);
                case IEnumerable list:
                    return string.Join("\\", list.Cast<object?>().Select(v => ToText(v) ?? string.Empty));
                default: return value.ToString();
            }
        }

        private static string Normalize(string key)
        {
            var chars = key.Where(c => c != '-' && c != '_' && c != ' ').Select(char.ToLowerInvariant).ToArray();
            return new string(chars);
        }

        private static string Get(SampleMetadata m, string field)
        {
            switch (field)
            {
                case nameof(SampleMetadata.SampleId): return m.SampleId ?? string.Empty;
                case nameof(SampleMetadata.PatientName): return m.PatientName ?? string.Empty;
                case nameof(SampleMetadata.Species): return m.Species ?? string.Empty;
                case nameof(SampleMetadata.TestType): return m.TestType ?? string.Empty;
                case nameof(SampleMetadata.ClinicName): return m.ClinicName ?? string.Empty;
                default: throw new ArgumentOutOfRangeException(nameof(field), field, null);
            }
        }

        private static void Set(SampleMetadata m, string field, string value)
        {
            switch (field)
            {
                case nameof(SampleMetadata.SampleId): m.SampleId = value; break;
                case nameof(SampleMetadata.PatientName): m.PatientName = value; break;
                case nameof(SampleMetadata.Species): m.Species = value; break;
                case nameof(SampleMetadata.TestType): m.TestType = value; break;
                case nameof(SampleMetadata.ClinicName): m.ClinicName = value; break;
                default: throw new ArgumentOutOfRangeException(nameof(field), field, null);
            }
        }
    }
}
