using System;
using System.Globalization;
using System.Text;

namespace DicomTools.Dicom
{
    /// <summary>Turns element values into text and back, validating per VR (PS3.5 §6.2).</summary>
    internal static class DicomValues
    {
        private static readonly char[] UtcOffsetSigns = { '+', '-' };

        private const int MaxDisplayedNumbers = 16;

        /// <summary>Decoded text for text and number VRs, a short summary for bulk binary values.</summary>
        public static string Decode(byte[] raw, string vr, DicomCharacterSet charset, bool bigEndian)
        {
            if (VrRules.IsText(vr))
            {
                var s = charset.Decode(raw, 0, raw.Length, vr);
                return vr == "UI" ? s.TrimEnd('\0', ' ') : s.TrimEnd(' ', '\0');
            }
            switch (vr)
            {
                case "US": case "SS": case "UL": case "SL": case "FL": case "FD": case "AT": case "SV": case "UV":
                    return DecodeNumbers(raw, vr, bigEndian);
                case "OB": case "UN":
                    return raw.Length <= 16 ? Hex(raw) : "[" + raw.Length.ToString(CultureInfo.InvariantCulture) + " bytes]";
                default:
                    return "[" + raw.Length.ToString(CultureInfo.InvariantCulture) + " bytes]";
            }
        }

        /// <summary>Short byte values as dcmdump shows them: "00\01".</summary>
        private static string Hex(byte[] raw)
        {
            var sb = new StringBuilder(raw.Length * 3);
            for (var i = 0; i < raw.Length; i++)
            {
                if (i > 0) sb.Append('\\');
                sb.Append(raw[i].ToString("x2", CultureInfo.InvariantCulture));
            }
            return sb.ToString();
        }

        /// <summary>Every number of a binary number value, '\'-separated (no "..." cut).</summary>
        public static string DecodeAllNumbers(byte[] raw, string vr, bool be) => DecodeNumbers(raw, vr, be, int.MaxValue);

        private static string DecodeNumbers(byte[] raw, string vr, bool be, int max = MaxDisplayedNumbers)
        {
            var size = vr == "AT" ? 4 : VrRules.WordSize(vr);
            var count = raw.Length / size;
            var sb = new StringBuilder();
            for (var i = 0; i < count && i < max; i++)
            {
                if (i > 0) sb.Append('\\');
                var o = i * size;
                switch (vr)
                {
                    case "US": sb.Append(U16(raw, o, be).ToString(CultureInfo.InvariantCulture)); break;
                    case "SS": sb.Append(((short)U16(raw, o, be)).ToString(CultureInfo.InvariantCulture)); break;
                    case "UL": sb.Append(U32(raw, o, be).ToString(CultureInfo.InvariantCulture)); break;
                    case "SL": sb.Append(((int)U32(raw, o, be)).ToString(CultureInfo.InvariantCulture)); break;
                    case "FL": sb.Append(BitConverterSingle(U32(raw, o, be)).ToString("R", CultureInfo.InvariantCulture)); break;
                    case "FD": sb.Append(BitConverter.Int64BitsToDouble((long)U64(raw, o, be)).ToString("R", CultureInfo.InvariantCulture)); break;
                    case "SV": sb.Append(((long)U64(raw, o, be)).ToString(CultureInfo.InvariantCulture)); break;
                    case "UV": sb.Append(U64(raw, o, be).ToString(CultureInfo.InvariantCulture)); break;
                    case "AT": sb.Append(new DicomTag(U16(raw, o, be), U16(raw, o + 2, be)).ToString()); break;
                }
            }
            if (count > max) sb.Append("\\...");
            return sb.ToString();
        }

        private static float BitConverterSingle(uint bits) => BitConverter.ToSingle(BitConverter.GetBytes(bits), 0);
        public static ushort U16(byte[] b, int o, bool be) => be ? (ushort)((b[o] << 8) | b[o + 1]) : (ushort)(b[o] | (b[o + 1] << 8));
        public static uint U32(byte[] b, int o, bool be) => be
            ? ((uint)b[o] << 24) | ((uint)b[o + 1] << 16) | ((uint)b[o + 2] << 8) | b[o + 3]
            : b[o] | ((uint)b[o + 1] << 8) | ((uint)b[o + 2] << 16) | ((uint)b[o + 3] << 24);
        public static ulong U64(byte[] b, int o, bool be) => be
            ? ((ulong)U32(b, o, true) << 32) | U32(b, o + 4, true)
            : U32(b, o, false) | ((ulong)U32(b, o + 4, false) << 32);

        /// <summary>Validates a new value for its VR (throws <see cref="DicomValueException"/>), then encodes and pads it.
        /// Returns null when the character set cannot carry the text (the caller applies the policy).</summary>
        public static byte[]? Encode(DicomTag tag, string vr, string value, DicomCharacterSet charset, bool bigEndian)
        {
            Validate(tag, vr, value);
            if (VrRules.IsText(vr))
            {
                var bytes = charset.TryEncode(value, vr);
                if (bytes == null) return null;
                if ((bytes.Length & 1) == 0) return bytes;
                var padded = new byte[bytes.Length + 1];
                Buffer.BlockCopy(bytes, 0, padded, 0, bytes.Length);
                padded[bytes.Length] = vr == "UI" ? (byte)0 : (byte)' ';
                return padded;
            }
            return EncodeNumbers(tag, vr, value, bigEndian);
        }

        private static byte[] EncodeNumbers(DicomTag tag, string vr, string value, bool be)
        {
            if (value.Length == 0) return Array.Empty<byte>();
            var parts = value.Split('\\');
            var size = VrRules.WordSize(vr);
            var result = new byte[parts.Length * size];
            for (var i = 0; i < parts.Length; i++)
            {
                var p = parts[i].Trim();
                ulong bits;
                bool ok;
                switch (vr)
                {
                    case "US": ok = ushort.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var us); bits = us; break;
                    case "SS": ok = short.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ss); bits = (ushort)ss; break;
                    case "UL": ok = uint.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ul); bits = ul; break;
                    case "SL": ok = int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var sl); bits = (uint)sl; break;
                    case "SV": ok = long.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var sv); bits = (ulong)sv; break;
                    case "UV": ok = ulong.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var uv); bits = uv; break;
                    case "FL": ok = float.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var fl); bits = BitConverter.ToUInt32(BitConverter.GetBytes(fl), 0); break;
                    case "FD": ok = double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var fd); bits = (ulong)BitConverter.DoubleToInt64Bits(fd); break;
                    case "AT":
                        ok = DicomDictionary.TryResolve(p, out var t);
                        bits = ((ulong)t.Element << 16) | t.Group; // written as two 16-bit words, group first
                        if (ok && be) bits = ((ulong)t.Group << 16) | t.Element;
                        break;
                    default:
                        throw Fail(tag, vr, "binary-value", "values of VR " + vr + " cannot be given as text; write them with AddBinary", value);
                }
                if (!ok) throw Fail(tag, vr, "number-format", "'" + p + "' is not a valid " + vr + " number", value);
                var o = i * size;
                if (vr == "AT" && be)
                {
                    result[o] = (byte)(bits >> 24); result[o + 1] = (byte)(bits >> 16); result[o + 2] = (byte)(bits >> 8); result[o + 3] = (byte)bits;
                    continue;
                }
                for (var k = 0; k < size; k++)
                    result[o + (be ? size - 1 - k : k)] = (byte)(bits >> (8 * k));
            }
            return result;
        }

        private static DicomValueException Fail(DicomTag tag, string vr, string rule, string what, string value)
        {
            var keyword = DicomDictionary.KeywordOf(tag);
            var name = keyword.Length > 0 ? tag + " " + keyword : tag.ToString();
            return new DicomValueException(
                name + " (" + vr + "): " + what + " [rule " + rule + "; the value has " + value.Length.ToString(CultureInfo.InvariantCulture) + " characters].",
                tag, vr, rule);
        }

        /// <summary>The checks of PS3.5 §6.2 that matter for values an admin types.</summary>
        public static void Validate(DicomTag tag, string vr, string value)
        {
            if (!VrRules.IsText(vr)) return;
            // LT, ST, UT and UR are never multi-valued, so PS3.5 §6.2 lets their text contain a backslash;
            // in every other text VR a backslash separates values.
            var backslashIsText = vr == "LT" || vr == "ST" || vr == "UT" || vr == "UR";
            var singleValued = backslashIsText ||
                               (DicomDictionary.TryGetByTag(tag, out var entry) && entry.VM == "1" && !tag.IsPrivate);
            if (singleValued && !backslashIsText && value.IndexOf('\\') >= 0)
                throw Fail(tag, vr, "single-valued", "a backslash separates values, and this element holds one value", value);
            var allowsTextControls = vr == "LT" || vr == "ST" || vr == "UT";
            foreach (var c in value)
            {
                if (c >= 0x20 && c != 0x7F) continue;
                if (c == '\u001B' && VrRules.UsesCharacterSet(vr)) continue;
                if (allowsTextControls && (c == '\r' || c == '\n' || c == '\t' || c == '\f')) continue;
                throw Fail(tag, vr, "control-character", "control character U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture) + " is not allowed in " + vr, value);
            }
            var values = singleValued ? new[] { value } : value.Split('\\');
            foreach (var v in values) ValidateOne(tag, vr, v, value);
        }

        private static void ValidateOne(DicomTag tag, string vr, string v, string whole)
        {
            int max;
            switch (vr)
            {
                case "AE": max = 16; break;
                case "AS": max = 4; break;
                case "CS": max = 16; break;
                case "DA": max = 8; break;
                case "DS": max = 16; break;
                case "DT": max = 26; break;
                case "IS": max = 12; break;
                case "LO": max = 64; break;
                case "LT": max = 10240; break;
                case "SH": max = 16; break;
                case "ST": max = 1024; break;
                case "TM": max = 14; break;
                case "UI": max = 64; break;
                case "PN": ValidatePersonName(tag, v, whole); return;
                default: max = int.MaxValue; break;
            }
            if (v.Length > max)
                throw Fail(tag, vr, "max-length", "a value may have at most " + max + " characters, this one has " + v.Length, whole);
            switch (vr)
            {
                case "CS":
                    foreach (var c in v)
                        if (!(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ' ' || c == '_'))
                            throw Fail(tag, vr, "cs-characters", "CS allows only upper-case letters, digits, space and underscore; found '" + c + "'", whole);
                    break;
                case "AE":
                    if (v.Trim().Length == 0 && v.Length > 0) throw Fail(tag, vr, "ae-blank", "an AE title cannot be only spaces", whole);
                    foreach (var c in v) if (c > 0x7E) throw Fail(tag, vr, "default-repertoire", "AE allows only the default character repertoire", whole);
                    break;
                case "AS":
                    if (v.Length != 0 && (v.Length != 4 || !IsDigits(v.Substring(0, 3)) || "DWMY".IndexOf(v[3]) < 0))
                        throw Fail(tag, vr, "age-format", "an age is three digits and D, W, M or Y (e.g. 004Y)", whole);
                    break;
                case "DA":
                    if (v.Length != 0 && (v.Length != 8 || !IsDigits(v) || !DateTime.TryParseExact(v, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)))
                        throw Fail(tag, vr, "date-format", "a date is YYYYMMDD", whole);
                    break;
                case "TM":
                    if (v.Trim(' ').Length != 0 && !IsTime(v.Trim(' ')))
                        throw Fail(tag, vr, "time-format", "'" + v + "' is not a time HH[MM[SS[.F{1-6}]]] (hours 00-23, minutes 00-59, seconds 00-60)", whole);
                    break;
                case "DT":
                    if (v.Trim(' ').Length != 0 && !IsDateTime(v.TrimEnd(' ')))
                        throw Fail(tag, vr, "datetime-format", "'" + v + "' is not a date-time YYYY[MM[DD[HH[MM[SS[.F{1-6}]]]]]][&ZZXX]", whole);
                    break;
                case "IS":
                    if (v.Trim(' ').Length != 0 && !IsIntegerString(v.Trim(' ')))
                        throw Fail(tag, vr, "integer-format", "'" + v + "' is not an integer string ([+-]digits, -2147483648 to 2147483647)", whole);
                    break;
                case "DS":
                    if (v.Trim(' ').Length != 0 && !IsDecimalString(v.Trim(' ')))
                        throw Fail(tag, vr, "decimal-format", "'" + v + "' is not a finite decimal string ([+-]digits[.digits][E[+-]digits], at most 16 characters)", whole);
                    break;
                case "UI":
                    ValidateUid(tag, v, whole);
                    break;
                case "UR":
                    if (v.IndexOf(' ') >= 0 && v.TrimEnd(' ').IndexOf(' ') >= 0) throw Fail(tag, vr, "uri-space", "a URI has no spaces", whole);
                    break;
            }
        }

        /// <summary>HH, HHMM, HHMMSS or HHMMSS.F to HHMMSS.FFFFFF (PS3.5 Table 6.2-1); a leap second (60) is allowed.</summary>
        internal static bool IsTime(string v)
        {
            var dot = v.IndexOf('.');
            var main = dot < 0 ? v : v.Substring(0, dot);
            if (main.Length != 2 && main.Length != 4 && main.Length != 6 || !IsDigits(main)) return false;
            if (Two(main, 0) > 23) return false;
            if (main.Length >= 4 && Two(main, 2) > 59) return false;
            if (main.Length >= 6 && Two(main, 4) > 60) return false;
            if (dot < 0) return true;
            var fraction = v.Substring(dot + 1);
            return main.Length == 6 && fraction.Length >= 1 && fraction.Length <= 6 && IsDigits(fraction);
        }

        /// <summary>YYYY[MM[DD[HH[MM[SS[.F{1-6}]]]]]] with an optional &amp;ZZXX offset (-1200 to +1400).</summary>
        internal static bool IsDateTime(string v)
        {
            var sign = v.IndexOfAny(UtcOffsetSigns);
            var main = sign < 0 ? v : v.Substring(0, sign);
            if (sign >= 0)
            {
                var offset = v.Substring(sign + 1);
                if (offset.Length != 4 || !IsDigits(offset) || Two(offset, 2) > 59) return false;
                var minutes = Two(offset, 0) * 60 + Two(offset, 2);
                if (v[sign] == '-' ? minutes > 12 * 60 : minutes > 14 * 60) return false;
            }
            var dot = main.IndexOf('.');
            var digits = dot < 0 ? main : main.Substring(0, dot);
            if (!IsDigits(digits) || digits.Length < 4 || digits.Length > 14 || (digits.Length & 1) == 1) return false;
            if (digits.Length >= 6 && (Two(digits, 4) < 1 || Two(digits, 4) > 12)) return false;
            if (digits.Length >= 8 && !DateTime.TryParseExact(digits.Substring(0, 8), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)) return false;
            if (digits.Length > 8 && !IsTime(digits.Substring(8) + (dot < 0 ? "" : main.Substring(dot)))) return false;
            return dot < 0 || digits.Length == 14;
        }

        /// <summary>[+-]digits within a signed 32-bit range (PS3.5: -2^31 &lt;= n &lt;= 2^31-1).</summary>
        internal static bool IsIntegerString(string v)
        {
            var start = v.Length > 0 && (v[0] == '+' || v[0] == '-') ? 1 : 0;
            if (v.Length == start || !IsDigits(v.Substring(start))) return false;
            return long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= int.MinValue && n <= int.MaxValue;
        }

        /// <summary>A fixed or floating point number as PS3.5 writes it: no "Infinity", "NaN", hex or thousands separators.</summary>
        internal static bool IsDecimalString(string v)
        {
            if (v.Length > 16) return false;
            var i = 0;
            if (i < v.Length && (v[i] == '+' || v[i] == '-')) i++;
            var mantissaDigits = 0;
            while (i < v.Length && v[i] >= '0' && v[i] <= '9') { i++; mantissaDigits++; }
            if (i < v.Length && v[i] == '.')
            {
                i++;
                while (i < v.Length && v[i] >= '0' && v[i] <= '9') { i++; mantissaDigits++; }
            }
            if (mantissaDigits == 0) return false;
            if (i < v.Length && (v[i] == 'e' || v[i] == 'E'))
            {
                i++;
                if (i < v.Length && (v[i] == '+' || v[i] == '-')) i++;
                var exponentDigits = 0;
                while (i < v.Length && v[i] >= '0' && v[i] <= '9') { i++; exponentDigits++; }
                if (exponentDigits == 0) return false;
            }
            if (i != v.Length) return false;
            // 1E999 has the syntax but is not a finite number.
            return double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && !double.IsInfinity(d) && !double.IsNaN(d);
        }

        private static int Two(string s, int at) => (s[at] - '0') * 10 + (s[at + 1] - '0');

        private static bool IsDigits(string s)
        {
            foreach (var c in s) if (c < '0' || c > '9') return false;
            return true;
        }

        private static void ValidateUid(DicomTag tag, string v, string whole)
        {
            if (v.Length == 0) return;
            var components = v.Split('.');
            foreach (var c in components)
            {
                if (c.Length == 0) throw Fail(tag, "UI", "uid-format", "a UID is digits separated by single dots, without a leading or trailing dot", whole);
                if (!IsDigits(c)) throw Fail(tag, "UI", "uid-format", "a UID holds only digits and dots", whole);
                if (c.Length > 1 && c[0] == '0') throw Fail(tag, "UI", "uid-leading-zero", "a UID component has no leading zero ('" + c + "')", whole);
            }
        }

        private static void ValidatePersonName(DicomTag tag, string v, string whole)
        {
            var groups = v.Split('=');
            if (groups.Length > 3) throw Fail(tag, "PN", "pn-groups", "a person name has at most 3 component groups (alphabetic=ideographic=phonetic), found " + groups.Length, whole);
            foreach (var g in groups)
            {
                if (g.Length > 64) throw Fail(tag, "PN", "max-length", "a person name component group may have at most 64 characters, this one has " + g.Length, whole);
                var components = g.Split('^').Length;
                if (components > 5) throw Fail(tag, "PN", "pn-components", "a person name has at most 5 components (family^given^middle^prefix^suffix), found " + components, whole);
            }
        }
    }
}
