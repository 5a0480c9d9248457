using System;
using System.Globalization;

namespace DicomTools.Dicom
{
    /// <summary>
    /// One element as read by <see cref="DicomFileReader"/>: where it is, its value as typed data (<see cref="GetString"/>,
    /// <see cref="GetInt32"/>, <see cref="GetDate"/>, <see cref="GetBytes"/>, ...) and, separately, the text a person is
    /// shown (<see cref="DisplayValue"/>).
    /// </summary>
    public sealed class DicomElementInfo
    {
        private static readonly char[] UtcOffsetSigns = { '+', '-' };

        private readonly byte[]? _raw;
        private readonly bool _bigEndian;

        /// <summary>An element with a text value and no raw bytes (the typed getters read <paramref name="value"/>).</summary>
        public DicomElementInfo(DicomTag tag, string keyword, DicomVR vr, long length, long offset, int depth, string? value, string parentPath)
            : this(tag, keyword, vr, length, offset, depth, value, value, parentPath, null, false)
        {
        }

        internal DicomElementInfo(DicomTag tag, string keyword, DicomVR vr, long length, long offset, int depth, string? value, string? displayValue, string parentPath, byte[]? raw, bool bigEndian)
        {
            Tag = tag; Keyword = keyword; VR = vr; Length = length; Offset = offset; Depth = depth; Value = value; DisplayValue = displayValue; ParentPath = parentPath;
            _raw = raw;
            _bigEndian = bigEndian;
        }

        /// <summary>The element's tag.</summary>
        public DicomTag Tag { get; }

        /// <summary>Dictionary keyword, or "" for private/unknown tags.</summary>
        public string Keyword { get; }

        /// <summary>The VR as found in the file (explicit VR) or in the dictionary (implicit VR; "UN" when unknown).</summary>
        public DicomVR VR { get; }

        /// <summary>Value length in bytes; -1 for undefined length.</summary>
        public long Length { get; }

        /// <summary>Offset of the element's tag in the (inflated) stream.</summary>
        public long Offset { get; }

        /// <summary>0 at top level, 1 inside a sequence item, ...</summary>
        public int Depth { get; }

        /// <summary>
        /// The value as text, decoded per the character set that applies to it: strings, numbers as text, dates, UIDs,
        /// binary numbers (US, SL, FD, ...) written as text separated by '\', and up to 16 bytes of OB or UN as hex ("01\\02"). Null when the value was not read: sequences, pixel data and bulk
        /// binary values (see <see cref="DicomReadOptions.IncludeBinaryValues"/> and <see cref="GetBytes"/>).
        /// </summary>
        public string? Value { get; }

        /// <summary>What Get-DicomTag shows: <see cref="Value"/>, or a short summary ("[sequence]", "[N bytes]", "[encapsulated pixel data]").</summary>
        public string? DisplayValue { get; }

        /// <summary>"" at top level, e.g. "(0040,0275)[0]" inside an item.</summary>
        public string ParentPath { get; }

        /// <summary>The element's path, e.g. "(0040,0275)[0].(0040,0009)"; the tag alone at top level (see <see cref="DicomTagPath"/>).</summary>
        public string Path => ParentPath.Length == 0 ? Tag.ToString() : ParentPath.Replace("](", "].(") + "." + Tag;

        /// <summary>True when the value bytes were read (text and number VRs up to 64 KiB; binary ones when asked).</summary>
        public bool HasValue => _raw != null || Value != null;

        /// <summary>The whole value as text (multiple values keep their '\' separators); null when the value was not read.</summary>
        public string? GetString() => Value;

        /// <summary>
        /// The values, split at '\' (LT, ST, UT and UR hold one value that may contain '\'); empty for an empty value.
        /// </summary>
        /// <exception cref="InvalidOperationException">The value was not read (bulk data, sequence).</exception>
        public string[] GetStrings()
        {
            var text = RequireText();
            if (text.Length == 0) return Array.Empty<string>();
            if (VR == "LT" || VR == "ST" || VR == "UT" || VR == "UR") return new[] { text };
            var parts = text.Split('\\');
            if (VR.IsText && VR != "UI")
                for (var i = 0; i < parts.Length; i++) parts[i] = parts[i].Trim(' ');
            return parts;
        }

        /// <summary>The value at <paramref name="index"/> as an integer: IS, or a binary integer (US, SS, UL, SL, SV, UV).</summary>
        /// <exception cref="InvalidOperationException">The VR holds no integers, or the value was not read.</exception>
        /// <exception cref="FormatException">The text is not an integer.</exception>
        /// <exception cref="OverflowException">The number does not fit 32 bits.</exception>
        public int GetInt32(int index = 0) => checked((int)GetInt64(index));

        /// <summary>The value at <paramref name="index"/> as a 64-bit integer (see <see cref="GetInt32"/>).</summary>
        public long GetInt64(int index = 0)
        {
            switch (VR.Code)
            {
                case "US": return DicomValues.U16(Raw(2, index), index * 2, _bigEndian);
                case "SS": return (short)DicomValues.U16(Raw(2, index), index * 2, _bigEndian);
                case "UL": return DicomValues.U32(Raw(4, index), index * 4, _bigEndian);
                case "SL": return (int)DicomValues.U32(Raw(4, index), index * 4, _bigEndian);
                case "SV": return (long)DicomValues.U64(Raw(8, index), index * 8, _bigEndian);
                case "UV": return checked((long)DicomValues.U64(Raw(8, index), index * 8, _bigEndian));
                case "IS": return long.Parse(Part(index), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                default: throw NotA("an integer");
            }
        }

        /// <summary>The value at <paramref name="index"/> as a number: DS, FL, FD, or any integer VR.</summary>
        /// <exception cref="InvalidOperationException">The VR holds no numbers, or the value was not read.</exception>
        /// <exception cref="FormatException">The text is not a decimal number.</exception>
        public double GetDouble(int index = 0)
        {
            switch (VR.Code)
            {
                case "FL": return BitConverter.ToSingle(BitConverter.GetBytes(DicomValues.U32(Raw(4, index), index * 4, _bigEndian)), 0);
                case "FD": return BitConverter.Int64BitsToDouble((long)DicomValues.U64(Raw(8, index), index * 8, _bigEndian));
                case "DS": return double.Parse(Part(index), NumberStyles.Float, CultureInfo.InvariantCulture);
                default: return GetInt64(index);
            }
        }

        /// <summary>A DA value ("YYYYMMDD", or the old "YYYY.MM.DD") as a date.</summary>
        /// <exception cref="InvalidOperationException">The VR is not DA (or DT), or the value was not read.</exception>
        /// <exception cref="FormatException">The text is not a date.</exception>
        public DateTime GetDate(int index = 0)
        {
            if (VR == "DT") return GetDateTime(index).Date;
            if (VR != "DA") throw NotA("a date");
            var text = Part(index).Replace(".", string.Empty);
            return DateTime.ParseExact(text, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None);
        }

        /// <summary>
        /// A DT value ("YYYY[MM[DD[HH[MM[SS[.F{1-6}]]]]]][&amp;ZZXX]") or a DA value as a point in time. A UTC offset in
        /// the value is kept; a value without one is read as is (PS3.5 says: the offset of (0008,0201), if any).
        /// </summary>
        /// <exception cref="InvalidOperationException">The VR is not DT or DA, or the value was not read.</exception>
        /// <exception cref="FormatException">The text is not a date-time.</exception>
        public DateTimeOffset GetDateTime(int index = 0)
        {
            if (VR == "DA") return new DateTimeOffset(DateTime.SpecifyKind(GetDate(index), DateTimeKind.Unspecified), TimeSpan.Zero);
            if (VR != "DT") throw NotA("a date-time");
            var text = Part(index);
            var offset = TimeSpan.Zero;
            var sign = text.IndexOfAny(UtcOffsetSigns, 4);
            if (sign > 0)
            {
                var zone = text.Substring(sign + 1);
                if (zone.Length != 4) throw new FormatException("'" + text + "' has a UTC offset that is not &ZZXX.");
                offset = new TimeSpan(int.Parse(zone.Substring(0, 2), CultureInfo.InvariantCulture), int.Parse(zone.Substring(2), CultureInfo.InvariantCulture), 0);
                if (text[sign] == '-') offset = -offset;
                text = text.Substring(0, sign);
            }
            string[] formats = { "yyyy", "yyyyMM", "yyyyMMdd", "yyyyMMddHH", "yyyyMMddHHmm", "yyyyMMddHHmmss", "yyyyMMddHHmmss.F", "yyyyMMddHHmmss.FF", "yyyyMMddHHmmss.FFF", "yyyyMMddHHmmss.FFFF", "yyyyMMddHHmmss.FFFFF", "yyyyMMddHHmmss.FFFFFF" };
            var local = DateTime.ParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.None);
            return new DateTimeOffset(local, offset);
        }

        /// <summary>A TM value ("HH[MM[SS[.F{1-6}]]]", or the old "HH:MM:SS") as a time of day.</summary>
        /// <exception cref="InvalidOperationException">The VR is not TM, or the value was not read.</exception>
        /// <exception cref="FormatException">The text is not a time.</exception>
        public TimeSpan GetTime(int index = 0)
        {
            if (VR != "TM") throw NotA("a time");
            var text = Part(index).Replace(":", string.Empty);
            string[] formats = { "HH", "HHmm", "HHmmss", "HHmmss.F", "HHmmss.FF", "HHmmss.FFF", "HHmmss.FFFF", "HHmmss.FFFFF", "HHmmss.FFFFFF" };
            return DateTime.ParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.None).TimeOfDay;
        }

        /// <summary>
        /// The value's bytes as stored (padding included; in the file's byte order), a copy. For text, the bytes in the
        /// character set of the file.
        /// </summary>
        /// <exception cref="InvalidOperationException">The value was not read (see <see cref="HasValue"/>).</exception>
        public byte[] GetBytes()
        {
            if (_raw == null) throw new InvalidOperationException(Tag + " (" + VR + "): the value bytes were not read" + NotReadHint());
            return (byte[])_raw.Clone();
        }

        /// <summary>"(gggg,eeee) Keyword VR value", for debugging.</summary>
        public override string ToString() => Tag + " " + Keyword + " " + VR + " " + DisplayValue;

        private string RequireText() =>
            Value ?? throw new InvalidOperationException(Tag + " (" + VR + "): the value was not read" + NotReadHint());

        private string NotReadHint() =>
            Length < 0 || VR == "SQ" ? " (a sequence or encapsulated pixel data has no single value)." : " (bulk binary data; set DicomReadOptions.IncludeBinaryValues to read values up to 64 KiB).";

        private string Part(int index)
        {
            var parts = GetStrings();
            if (index < 0 || index >= parts.Length)
                throw new ArgumentOutOfRangeException(nameof(index), Tag + " has " + parts.Length + " value(s); there is no value " + index + ".");
            return parts[index];
        }

        private byte[] Raw(int size, int index)
        {
            if (_raw == null)
            {
                // Built from text only (public constructor): parse the text instead.
                throw new InvalidOperationException(Tag + " (" + VR + "): the value bytes were not read" + NotReadHint());
            }
            if (index < 0 || (index + 1) * size > _raw.Length)
                throw new ArgumentOutOfRangeException(nameof(index), Tag + " has " + _raw.Length / size + " value(s); there is no value " + index + ".");
            return _raw;
        }

        private InvalidOperationException NotA(string what) => new InvalidOperationException(Tag + " (" + VR + ") does not hold " + what + ".");
    }
}
