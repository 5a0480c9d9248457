using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace DicomTools.Dicom
{
    /// <summary>Keyword / tag / VR / VM look-ups, generated from the standard's registry (see tools/Generate-DicomDictionary.ps1).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "It is the DICOM Data Dictionary (PS3.6): the standard's own name.")]
    public static partial class DicomDictionary
    {
        private static readonly char[] LineBreak = { '\n' };

        private sealed class RangeEntry
        {
            public ushort GroupFrom, GroupTo, ElementFrom, ElementTo;
            public char GroupStep, ElementStep;
            public DicomDictionaryEntry Template = null!;

            public bool Matches(DicomTag tag) =>
                tag.Group >= GroupFrom && tag.Group <= GroupTo && StepMatches(tag.Group, GroupStep) &&
                tag.Element >= ElementFrom && tag.Element <= ElementTo && StepMatches(tag.Element, ElementStep);

            private static bool StepMatches(ushort value, char step) =>
                step == 'u' || (step == 'e' ? (value & 1) == 0 : (value & 1) == 1);
        }

        private sealed class Tables
        {
            public readonly Dictionary<uint, DicomDictionaryEntry> ByTag = new Dictionary<uint, DicomDictionaryEntry>(5000);
            public readonly Dictionary<string, DicomDictionaryEntry> ByKeyword = new Dictionary<string, DicomDictionaryEntry>(5000, StringComparer.OrdinalIgnoreCase);
            public readonly List<RangeEntry> Ranges = new List<RangeEntry>();
        }

        // Parsed on first use: a few milliseconds, once per process.
        private static readonly Lazy<Tables> Data = new Lazy<Tables>(Load);

        private static Tables Load()
        {
            var t = new Tables();
            foreach (var line in ExactTable.Split(LineBreak, StringSplitOptions.RemoveEmptyEntries))
            {
                var f = line.Split('|');
                var tag = new DicomTag(ParseHex(f[0], 0), ParseHex(f[0], 4));
                var entry = new DicomDictionaryEntry(tag, f[2], NameFromKeyword(f[2]), f[1], f[3], f[4] == "R");
                t.ByTag[tag.Value] = entry;
                // A retired keyword never shadows a current one (the registry reuses none, but be safe).
                if (!t.ByKeyword.TryGetValue(entry.Keyword, out var existing) || (existing.Retired && !entry.Retired))
                    t.ByKeyword[entry.Keyword] = entry;
            }
            foreach (var line in RangeTable.Split(LineBreak, StringSplitOptions.RemoveEmptyEntries))
            {
                var f = line.Split('|');
                var r = new RangeEntry
                {
                    GroupFrom = ParseHex(f[0], 0), GroupTo = ParseHex(f[0], 4), GroupStep = f[0][8],
                    ElementFrom = ParseHex(f[0], 9), ElementTo = ParseHex(f[0], 13), ElementStep = f[0][17],
                };
                r.Template = new DicomDictionaryEntry(new DicomTag(r.GroupFrom, r.ElementFrom), f[2], NameFromKeyword(f[2]), f[1], f[3], f[4] == "R");
                t.Ranges.Add(r);
                if (!t.ByKeyword.ContainsKey(r.Template.Keyword)) t.ByKeyword[r.Template.Keyword] = r.Template;
            }
            return t;
        }

        private static ushort ParseHex(string s, int start) =>
            ushort.Parse(s.Substring(start, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

        /// <summary>"PatientName" → "Patient Name"; "SOPInstanceUID" → "SOP Instance UID".</summary>
        private static string NameFromKeyword(string keyword)
        {
            var sb = new StringBuilder(keyword.Length + 8);
            for (var i = 0; i < keyword.Length; i++)
            {
                var c = keyword[i];
                if (i > 0 && char.IsUpper(c) && (char.IsLower(keyword[i - 1]) || (i + 1 < keyword.Length && char.IsLower(keyword[i + 1]) && char.IsUpper(keyword[i - 1]))))
                    sb.Append(' ');
                sb.Append(c);
            }
            return sb.ToString();
        }

        /// <summary>The entry of a tag (repeating groups such as 60xx overlays match by range); false for private and unknown tags.</summary>
        public static bool TryGetByTag(DicomTag tag, out DicomDictionaryEntry entry)
        {
            var t = Data.Value;
            if (t.ByTag.TryGetValue(tag.Value, out entry!)) return true;
            foreach (var r in t.Ranges)
            {
                if (r.Matches(tag))
                {
                    var e = r.Template;
                    entry = new DicomDictionaryEntry(tag, e.Keyword, e.Name, e.VR, e.VM, e.Retired);
                    return true;
                }
            }
            entry = null!;
            return false;
        }

        /// <summary>The entry of a keyword (case-insensitive); false when the registry has no such keyword.</summary>
        public static bool TryGetByKeyword(string keyword, out DicomDictionaryEntry entry)
        {
            entry = null!;
            if (string.IsNullOrEmpty(keyword)) return false;
            return Data.Value.ByKeyword.TryGetValue(keyword.Trim(), out entry!);
        }

        /// <summary>Every exact (non-range) entry of the registry.</summary>
        public static IReadOnlyCollection<DicomDictionaryEntry> Entries => Data.Value.ByTag.Values;

        /// <summary>Resolves a keyword ("PatientName") or a numeric tag ("(0010,0010)", "00100010").</summary>
        public static bool TryResolve(string keywordOrTag, out DicomTag tag)
        {
            if (DicomTag.TryParse(keywordOrTag, out tag)) return true;
            if (keywordOrTag != null && TryGetByKeyword(keywordOrTag, out var entry))
            {
                // Range entries (overlays, curves) resolve to the first group of the range, e.g. OverlayData → (6000,3000).
                tag = entry.Tag;
                return true;
            }
            tag = default;
            return false;
        }

        /// <summary>The keyword of a tag, or "" for private and unknown tags.</summary>
        public static string KeywordOf(DicomTag tag) => TryGetByTag(tag, out var e) ? e.Keyword : string.Empty;

        /// <summary>The dictionary VR of a tag, or null when unknown.</summary>
        public static string? VrOf(DicomTag tag) => TryGetByTag(tag, out var e) && e.VR.Length == 2 ? e.VR : null;
    }
}
