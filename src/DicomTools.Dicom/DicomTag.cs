using System;
using System.Globalization;

namespace DicomTools.Dicom
{
    /// <summary>A DICOM attribute tag (group, element).</summary>
    public readonly struct DicomTag : IEquatable<DicomTag>, IComparable<DicomTag>
    {
        /// <summary>The tag (<paramref name="group"/>,<paramref name="element"/>); <see cref="DicomTags"/> has them by keyword.</summary>
        public DicomTag(ushort group, ushort element)
        {
            Group = group;
            Element = element;
        }

        /// <summary>The group number (the first half).</summary>
        public ushort Group { get; }
        /// <summary>The element number (the second half).</summary>
        public ushort Element { get; }

        /// <summary>The tag as one 32-bit number, group in the high half: the order tags are sorted in.</summary>
        public uint Value => ((uint)Group << 16) | Element;

        /// <summary>True for private tags (odd group).</summary>
        public bool IsPrivate => (Group & 1) == 1;
        /// <summary>True for group length elements (gggg,0000).</summary>
        public bool IsGroupLength => Element == 0;

        /// <summary>(FFFE,E000) Item.</summary>
        public static readonly DicomTag Item = DicomTags.Item;
        /// <summary>(FFFE,E00D) Item Delimitation Item.</summary>
        public static readonly DicomTag ItemDelimitation = DicomTags.ItemDelimitationItem;
        /// <summary>(FFFE,E0DD) Sequence Delimitation Item.</summary>
        public static readonly DicomTag SequenceDelimitation = DicomTags.SequenceDelimitationItem;
        /// <summary>(7FE0,0010) Pixel Data (also <see cref="DicomTags.PixelData"/>).</summary>
        public static readonly DicomTag PixelData = DicomTags.PixelData;
        /// <summary>(0008,0005) Specific Character Set.</summary>
        public static readonly DicomTag SpecificCharacterSet = DicomTags.SpecificCharacterSet;
        /// <summary>(0002,0010) Transfer Syntax UID.</summary>
        public static readonly DicomTag TransferSyntaxUid = DicomTags.TransferSyntaxUID;
        /// <summary>(0008,0018) SOP Instance UID.</summary>
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

        /// <summary>Same group and element.</summary>
        public bool Equals(DicomTag other) => Value == other.Value;
        /// <inheritdoc />
        public override bool Equals(object? obj) => obj is DicomTag t && Equals(t);
        /// <inheritdoc />
        public override int GetHashCode() => (int)Value;
        /// <summary>Orders by group, then element: the order of a dataset.</summary>
        public int CompareTo(DicomTag other) => Value.CompareTo(other.Value);
        /// <summary>Same tag.</summary>
        public static bool operator ==(DicomTag a, DicomTag b) => a.Value == b.Value;
        /// <summary>Different tags.</summary>
        public static bool operator !=(DicomTag a, DicomTag b) => a.Value != b.Value;
        /// <summary>Sorts before.</summary>
        public static bool operator <(DicomTag a, DicomTag b) => a.Value < b.Value;
        /// <summary>Sorts after.</summary>
        public static bool operator >(DicomTag a, DicomTag b) => a.Value > b.Value;
        /// <summary>Sorts before or is the same.</summary>
        public static bool operator <=(DicomTag a, DicomTag b) => a.Value <= b.Value;
        /// <summary>Sorts after or is the same.</summary>
        public static bool operator >=(DicomTag a, DicomTag b) => a.Value >= b.Value;

        /// <summary>"(gggg,eeee)" in upper-case hex, as dcmdump prints it.</summary>
        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "({0:X4},{1:X4})", Group, Element);
    }
}
