using System;

namespace DicomTools.Dicom
{
    /// <summary>One entry of the DICOM data dictionary (PS3.6).</summary>
    public sealed class DicomDictionaryEntry
    {
        /// <summary>An entry; the dictionary builds these from the registry.</summary>
        public DicomDictionaryEntry(DicomTag tag, string keyword, string name, string vr, string vm, bool retired)
        {
            Tag = tag; Keyword = keyword; Name = name; VR = vr; VM = vm; Retired = retired;
        }
        /// <summary>The tag (for a repeating-group entry matched by range, the tag asked for).</summary>
        public DicomTag Tag { get; }
        /// <summary>The keyword, e.g. "PatientName".</summary>
        public string Keyword { get; }
        /// <summary>A readable name made from the keyword, e.g. "Patient Name".</summary>
        public string Name { get; }
        /// <summary>Two-letter VR; for multi-VR entries ("US or SS") the first one.</summary>
        public string VR { get; }
        /// <summary>Value multiplicity as the registry gives it: "1", "2", "1-n", "2-2n", ...</summary>
        public string VM { get; }
        /// <summary>True for attributes the standard has retired.</summary>
        public bool Retired { get; }
    }
}
