using System;

namespace DicomTools.Dicom
{
    /// <summary>One entry of the DICOM data dictionary (PS3.6).</summary>
    public sealed class DicomDictionaryEntry
    {
        /// <summary>An entry; the dictionary builds these from the registry.</summary>
        public DicomDictionaryEntry(DicomTag tag, string keyword, string name, string vr, string vm, bool retired)
        {
            Tag = tag; Keyword = keyword; _name = name; VR = vr; VM = vm; Retired = retired;
        }

        /// <summary>A registry entry whose readable name is made from the keyword when first asked for: the dictionary holds
        /// ~5000 entries and most processes never show a name, so building them all would be start-up spent for nothing.</summary>
        internal DicomDictionaryEntry(DicomTag tag, string keyword, string vr, string vm, bool retired)
        {
            Tag = tag; Keyword = keyword; VR = vr; VM = vm; Retired = retired;
        }

        private string? _name;
        /// <summary>The tag (for a repeating-group entry matched by range, the tag asked for).</summary>
        public DicomTag Tag { get; }
        /// <summary>The keyword, e.g. "PatientName".</summary>
        public string Keyword { get; }
        /// <summary>A readable name made from the keyword, e.g. "Patient Name".</summary>
        public string Name => _name ??= NameFromKeyword(Keyword);
        /// <summary>Two-letter VR; for multi-VR entries ("US or SS") the first one.</summary>
        public string VR { get; }
        /// <summary>Value multiplicity as the registry gives it: "1", "2", "1-n", "2-2n", ...</summary>
        public string VM { get; }
        /// <summary>True for attributes the standard has retired.</summary>
        public bool Retired { get; }

        /// <summary>"PatientName" → "Patient Name"; "SOPInstanceUID" → "SOP Instance UID".</summary>
        internal static string NameFromKeyword(string keyword)
        {
            var sb = new System.Text.StringBuilder(keyword.Length + 8);
            for (var i = 0; i < keyword.Length; i++)
            {
                var c = keyword[i];
                if (i > 0 && char.IsUpper(c) && (char.IsLower(keyword[i - 1]) || (i + 1 < keyword.Length && char.IsLower(keyword[i + 1]) && char.IsUpper(keyword[i - 1]))))
                    sb.Append(' ');
                sb.Append(c);
            }
            return sb.ToString();
        }
    }
}
