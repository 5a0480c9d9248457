using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DicomTools.Dicom;
using DicomTools.Engine.Metadata;

namespace DicomTools.Engine.Tagging
{
    /// <summary>
    /// The edits applied to every file of a sample: the five tags that carry the sample's
    /// metadata, plus any other top-level tags the admin asked for. Built and checked once, before any
    /// file is touched, so a bad request fails before it can half-apply.
    /// </summary>
    public sealed class SampleTagPlan
    {
        public const int MinimumAttemptNumber = 1;
        public const int MaximumAttemptNumber = 999;

        public static readonly DicomTag PatientName = DicomTags.PatientName;
        public static readonly DicomTag PatientId = DicomTags.PatientID;
        public static readonly DicomTag PatientSpeciesDescription = DicomTags.PatientSpeciesDescription;
        public static readonly DicomTag BarcodeValue = DicomTags.BarcodeValue;
        public static readonly DicomTag InstitutionName = DicomTags.InstitutionName;

        private SampleTagPlan(IReadOnlyList<DicomEdit> edits, string? patientIdValue)
        {
            Edits = edits;
            PatientIdValue = patientIdValue;
        }

        /// <summary>The edits, in tag order.</summary>
        public IReadOnlyList<DicomEdit> Edits { get; }

        /// <summary>The PatientID written, when the plan carries sample metadata.</summary>
        public string? PatientIdValue { get; }

        /// <summary>"&lt;SampleId&gt;-&lt;AttemptNumber as 3 digits&gt;", e.g. "ref0000022tes-cbc-001".</summary>
        public static string FormatPatientId(string sampleId, int attemptNumber)
        {
            if (string.IsNullOrWhiteSpace(sampleId)) throw new ArgumentException("SampleId is empty.", nameof(sampleId));
            CheckAttemptNumber(attemptNumber);
            return sampleId.Trim() + "-" + attemptNumber.ToString("000", CultureInfo.InvariantCulture);
        }

        /// <summary>The edits that write a sample's metadata: PatientName, PatientID, species, test type, clinic.</summary>
        public static IReadOnlyList<DicomEdit> MetadataEdits(SampleMetadata metadata, int attemptNumber)
        {
            if (metadata == null) throw new ArgumentNullException(nameof(metadata));
            SampleMetadataConverter.EnsureComplete(metadata);
            return new[]
            {
                DicomEdit.Set(InstitutionName, metadata.ClinicName.Trim(), "LO"),
                DicomEdit.Set(PatientName, metadata.PatientName.Trim(), "PN"),
                DicomEdit.Set(PatientId, FormatPatientId(metadata.SampleId, attemptNumber), "LO"),
                DicomEdit.Set(PatientSpeciesDescription, metadata.Species.Trim(), "LO"),
                DicomEdit.Set(BarcodeValue, metadata.TestType.Trim(), "LT"),
            };
        }

        /// <summary>
        /// Builds the plan. <paramref name="extraTags"/> maps a keyword or tag ("PatientAge", "(0010,1010)")
        /// to its new text, or to null to remove the element. Throws <see cref="SampleMetadataException"/>
        /// for incomplete metadata, <see cref="DicomValueException"/> for a value its VR does not allow, and
        /// <see cref="ArgumentException"/> for a tag that cannot be edited.
        /// </summary>
        public static SampleTagPlan Create(SampleMetadata? metadata, int attemptNumber, IEnumerable<KeyValuePair<string, string?>>? extraTags)
        {
            CheckAttemptNumber(attemptNumber);
            var edits = new List<DicomEdit>();
            var sourceByTag = new Dictionary<string, string>();
            string? patientIdValue = null;
            if (metadata != null)
            {
                foreach (var edit in MetadataEdits(metadata, attemptNumber))
                {
                    edits.Add(edit);
                    sourceByTag[edit.Path.ToString()] = "the sample metadata";
                }
                patientIdValue = edits.Single(e => e.Tag == PatientId).Value;
            }
            foreach (var pair in extraTags ?? Enumerable.Empty<KeyValuePair<string, string?>>())
            {
                var path = ResolveEditablePath(pair.Key);
                var key = path.ToString();
                if (sourceByTag.TryGetValue(key, out var earlier))
                    throw new ArgumentException(
                        $"The tag {(path.IsTopLevel ? Describe(path.Tag) : key)} is given twice (by {earlier} and by the tag edit '{pair.Key}'). Give each tag once.",
                        nameof(extraTags));
                sourceByTag[key] = $"the tag edit '{pair.Key}'";
                edits.Add(pair.Value == null ? DicomEdit.Remove(path) : DicomEdit.Set(path, pair.Value));
            }
            if (edits.Count == 0)
                throw new ArgumentException("Nothing to change: neither sample metadata nor tag edits were given.", nameof(metadata));
            foreach (var edit in edits) CheckValue(edit);
            return new SampleTagPlan(edits.OrderBy(e => e.Tag).ToArray(), patientIdValue);
        }

        /// <summary>
        /// Resolves a tag edit's key: a keyword or tag (top level), or a path into sequence items such as
        /// "(0040,0275)[0].(0040,0009)" or "RequestAttributesSequence[0].ScheduledProcedureStepID", whose element may be edited.
        /// </summary>
        public static DicomTagPath ResolveEditablePath(string key)
        {
            if (key == null || key.IndexOf('[') < 0) return new DicomTagPath(ResolveEditableTag(key!));
            if (!DicomTagPath.TryParse(key.Trim(), out var path))
            {
                try { DicomTagPath.Parse(key.Trim()); }
                catch (FormatException ex) { throw new ArgumentException(ex.Message + " A path names sequences with an item index (from 0) and ends with an element.", nameof(key), ex); }
            }
            try
            {
                ResolveEditableTag(path.Tag.ToString());
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"In the tag edit '{key}': {ex.Message}", nameof(key), ex);
            }
            return path;
        }

        /// <summary>
        /// Resolves a keyword or tag to one that may be edited: a top-level data element, not File Meta
        /// (the codec keeps it consistent), not a group length, not pixel data, not a sequence.
        /// </summary>
        public static DicomTag ResolveEditableTag(string keywordOrTag)
        {
            if (string.IsNullOrWhiteSpace(keywordOrTag))
                throw new ArgumentException("A tag edit names no tag; use a keyword such as PatientAge or a tag such as (0010,1010).", nameof(keywordOrTag));
            if (!DicomDictionary.TryResolve(keywordOrTag.Trim(), out var tag))
                throw new ArgumentException(
                    $"'{keywordOrTag}' is neither a DICOM keyword nor a tag; use a keyword such as PatientAge or a tag such as (0010,1010).", nameof(keywordOrTag));
            string? why = null;
            if (tag.Group == 0x0002) why = "it is File Meta information, which the codec keeps consistent itself";
            else if (tag.Group == 0xFFFE) why = "it is an item delimiter, not a data element";
            else if (tag.IsGroupLength) why = "group lengths are recomputed by the codec";
            else if (tag == DicomTag.PixelData) why = "pixel data is never rewritten";
            else if (tag == DicomTag.SpecificCharacterSet) why = "the character set follows the values (see the character-set policy)";
            else if (DicomDictionary.TryGetByTag(tag, out var entry) && entry.VR == "SQ") why = "it is a sequence; only elements with a single value can be set";
            if (why != null)
                throw new ArgumentException($"The tag {Describe(tag)} cannot be set: {why}.", nameof(keywordOrTag));
            return tag;
        }

        /// <summary>
        /// Checks a new value against its VR's rules (length, backslash, control characters) once, before any file
        /// is touched, so that a value no file could take is one error rather than one per file. Whether the
        /// file's character set can carry it depends on the file, and is left to the edit.
        /// </summary>
        private static void CheckValue(DicomEdit edit)
        {
            if (edit.IsRemove || edit.Value == null) return;
            var vr = edit.VR ?? (DicomDictionary.TryGetByTag(edit.Tag, out var entry) ? entry.VR : null);
            if (vr == null || vr.Length != 2) return;
            try
            {
                new DicomDatasetBuilder().Add(edit.Tag, vr, edit.Value);
            }
            catch (DicomCharacterSetException)
            {
                // Depends on the file's (0008,0005): the edit decides, per -CharacterSetPolicy.
            }
        }

        /// <summary>"(0010,0010) PatientName", or the tag alone when the dictionary does not know it.</summary>
        public static string Describe(DicomTag tag) =>
            DicomDictionary.TryGetByTag(tag, out var entry) && !string.IsNullOrEmpty(entry.Keyword) ? $"{tag} {entry.Keyword}" : tag.ToString();

        private static void CheckAttemptNumber(int attemptNumber)
        {
            if (attemptNumber < MinimumAttemptNumber || attemptNumber > MaximumAttemptNumber)
                throw new ArgumentOutOfRangeException(nameof(attemptNumber), attemptNumber,
                    $"The attempt number must be between {MinimumAttemptNumber} and {MaximumAttemptNumber}: PatientID carries it as three digits.");
        }
    }
}
