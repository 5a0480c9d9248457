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
            var texts = new Dictionary<string, string>(StringComparer.Ordinal);
            // One pass over the text, no Split: the table is ~5000 lines and this runs in every process that reads a file.
            foreach (var f in Lines(ExactTable, texts))
            {
                var tag = new DicomTag(f.Hex(0), f.Hex(4));
                var entry = new DicomDictionaryEntry(tag, f.Keyword, f.VR, f.VM, f.Retired);
                t.ByTag[tag.Value] = entry;
                // A retired keyword never shadows a current one (the registry reuses none, but be safe).
                if (!t.ByKeyword.TryGetValue(entry.Keyword, out var existing) || (existing.Retired && !entry.Retired))
                    t.ByKeyword[entry.Keyword] = entry;
            }
            foreach (var f in Lines(RangeTable, texts))
            {
                var r = new RangeEntry
                {
                    GroupFrom = f.Hex(0), GroupTo = f.Hex(4), GroupStep = f.Char(8),
                    ElementFrom = f.Hex(9), ElementTo = f.Hex(13), ElementStep = f.Char(17),
                };
                r.Template = new DicomDictionaryEntry(new DicomTag(r.GroupFrom, r.ElementFrom), f.Keyword, f.VR, f.VM, f.Retired);
                t.Ranges.Add(r);
                if (!t.ByKeyword.ContainsKey(r.Template.Keyword)) t.ByKeyword[r.Template.Keyword] = r.Template;
            }
            return t;
        }

        /// <summary>One line of a table: "tag|VR|Keyword|VM|R", fields cut out of the table text without copying the tag.</summary>
        private readonly struct TableLine
        {
            private readonly string _table;
            private readonly int _start;

            public TableLine(string table, int start, string vr, string keyword, string vm, bool retired)
            {
                _table = table; _start = start; VR = vr; Keyword = keyword; VM = vm; Retired = retired;
            }

            public string VR { get; }
            public string Keyword { get; }
            public string VM { get; }
            public bool Retired { get; }

            public char Char(int offset) => _table[_start + offset];

            public ushort Hex(int offset)
            {
                var value = 0;
                for (var i = 0; i < 4; i++)
                {
                    var c = _table[_start + offset + i];
                    var digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
                    if (digit < 0) throw new FormatException("The generated dictionary has a bad tag at offset " + (_start + offset) + ".");
                    value = (value << 4) | digit;
                }
                return (ushort)value;
            }
        }

        private static IEnumerable<TableLine> Lines(string table, Dictionary<string, string> texts)
        {
            var start = 0;
            while (start < table.Length)
            {
                var end = table.IndexOf('\n', start);
                if (end < 0) end = table.Length;
                if (end > start)
                {
                    var bar1 = table.IndexOf('|', start, end - start);
                    var bar2 = table.IndexOf('|', bar1 + 1, end - bar1 - 1);
                    var bar3 = table.IndexOf('|', bar2 + 1, end - bar2 - 1);
                    var bar4 = table.IndexOf('|', bar3 + 1, end - bar3 - 1);
                    if (bar1 < 0 || bar2 < 0 || bar3 < 0 || bar4 < 0) throw new FormatException("The generated dictionary has a bad line at offset " + start + ".");
                    yield return new TableLine(table, start,
                        Shared(texts, table.Substring(bar1 + 1, bar2 - bar1 - 1)),
                        table.Substring(bar2 + 1, bar3 - bar2 - 1),
                        Shared(texts, table.Substring(bar3 + 1, bar4 - bar3 - 1)),
                        end - bar4 - 1 == 1 && table[bar4 + 1] == 'R');
                }
                start = end + 1;
            }
        }

        // VRs and VMs repeat thousands of times: one string each keeps the tables small.
        private static string Shared(Dictionary<string, string> texts, string text)
        {
            if (texts.TryGetValue(text, out var shared)) return shared;
            texts[text] = text;
            return text;
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
