using System;
using System.Globalization;

namespace DicomTools.Dicom
{
    /// <summary>A DICOM attribute tag (group, element).</summary>
    public readonly struct DicomTag : IEquatable<DicomTag>, IComparable<DicomTag>
    {
        public DicomTag(ushort group, ushort element)
        {
            Group = group;
            Element = element;
        }

        public ushort Group { get; }
        public ushort Element { get; }

        /// <summary>The tag as one 32-bit number, group in the high half: the order tags are sorted in.</summary>
        public uint Value => ((uint)Group << 16) | Element;

        public bool IsPrivate => (Group & 1) == 1;
        public bool IsGroupLength => Element == 0;

        public static readonly DicomTag Item = DicomTags.Item;
        public static readonly DicomTag ItemDelimitation = DicomTags.ItemDelimitationItem;
        public static readonly DicomTag SequenceDelimitation = DicomTags.SequenceDelimitationItem;
        public static readonly DicomTag PixelData = DicomTags.PixelData;
        public static readonly DicomTag SpecificCharacterSet = DicomTags.SpecificCharacterSet;
        public static readonly DicomTag TransferSyntaxUid = DicomTags.TransferSyntaxUID;
        public static readonly DicomTag SopInstanceUid = DicomTags.SOPInstanceUID;

        /// <summary>
        /// Parses "(0010,0010)", "0010,0010", "00100010" or "0x00100010". Keywords are resolved by
        /// <see cref="DicomDictionary"/>; this method only reads numbers.
        /// </summary>
        public static bool TryParse(string? text, out DicomTag tag)
        {
            tag = default;
            if (text == null) return false;
            var s = text.Trim();
            if (s.StartsWith("(", StringComparison.Ordinal) && s.EndsWith(")", StringComparison.Ordinal))
                s = s.Substring(1, s.Length - 2);
            if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) s = s.Substring(2);
            s = s.Replace(" ", string.Empty);
            string g, e;
            var comma = s.IndexOf(',');
            if (comma >= 0)
            {
                g = s.Substring(0, comma);
                e = s.Substring(comma + 1);
            }
            else if (s.Length == 8)
            {
                g = s.Substring(0, 4);
                e = s.Substring(4);
            }
            else
            {
                return false;
            }
            if (g.Length != 4 || e.Length != 4) return false;
            if (!ushort.TryParse(g, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var gv)) return false;
            if (!ushort.TryParse(e, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var ev)) return false;
            tag = new DicomTag(gv, ev);
            return true;
        }

        public bool Equals(DicomTag other) => Value == other.Value;
        public override bool Equals(object? obj) => obj is DicomTag t && Equals(t);
        public override int GetHashCode() => (int)Value;
        public int CompareTo(DicomTag other) => Value.CompareTo(other.Value);
        public static bool operator ==(DicomTag a, DicomTag b) => a.Value == b.Value;
        public static bool operator !=(DicomTag a, DicomTag b) => a.Value != b.Value;
        public static bool operator <(DicomTag a, DicomTag b) => a.Value < b.Value;
        public static bool operator >(DicomTag a, DicomTag b) => a.Value > b.Value;
        public static bool operator <=(DicomTag a, DicomTag b) => a.Value <= b.Value;
        public static bool operator >=(DicomTag a, DicomTag b) => a.Value >= b.Value;

        /// <summary>"(gggg,eeee)" in upper-case hex, as dcmdump prints it.</summary>
        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "({0:X4},{1:X4})", Group, Element);
    }
}
