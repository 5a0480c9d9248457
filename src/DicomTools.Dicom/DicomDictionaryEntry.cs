using System;

namespace DicomTools.Dicom
{
    /// <summary>One entry of the DICOM data dictionary (PS3.6).</summary>
    public sealed class DicomDictionaryEntry
    {
        public DicomDictionaryEntry(DicomTag tag, string keyword, string name, string vr, string vm, bool retired)
        {
            Tag = tag; Keyword = keyword; Name = name; VR = vr; VM = vm; Retired = retired;
        }
        public DicomTag Tag { get; }
        public string Keyword { get; }
        public string Name { get; }
        /// <summary>Two-letter VR; for multi-VR entries ("US or SS") the first one.</summary>
        public string VR { get; }
        public string VM { get; }
        public bool Retired { get; }
    }
}
