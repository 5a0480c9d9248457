using System;
using System.Collections.Generic;
using System.Text;

namespace DicomTools.Dicom
{
    /// <summary>
    /// Decodes and encodes text per (0008,0005) Specific Character Set (PS3.5 §6.1, Annex K): the default repertoire,
    /// single-byte sets ISO_IR 100..203, ISO_IR 192 (UTF-8), GB18030, GBK, and ISO 2022 code extensions (for reading;
    /// writing into an ISO 2022 dataset is done only when the text needs no escape sequence).
    /// </summary>
    internal sealed class DicomCharacterSet
    {
        // Must stay the first static field: the code-page encodings below need the provider registered.
        private static readonly bool ProviderRegistered = RegisterProvider();

        private static bool RegisterProvider()
        {
            Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
            return true;
        }

        public const string Utf8Term = "ISO_IR 192";
        private static readonly Encoding Latin1 = Encoding.GetEncoding(28591);
        public static readonly DicomCharacterSet Default = new DicomCharacterSet(string.Empty, new[] { string.Empty });

        private readonly Encoding? _single; // non-ISO 2022 sets: the one encoding for every value
        private readonly Encoding _writeEncoding;
        private readonly string[] _terms;

        private DicomCharacterSet(string value, string[] terms)
        {
            Value = value;
            _terms = terms;
            IsIso2022 = false;
            IsKnown = true;
            foreach (var t in terms)
            {
                if (t.StartsWith("ISO 2022", StringComparison.Ordinal)) IsIso2022 = true;
                if (!IsKnownTerm(t)) IsKnown = false;
            }
            if (!IsIso2022)
            {
                _single = EncodingForTerm(terms.Length > 0 ? terms[0] : string.Empty) ?? Latin1;
                // An unknown set is read leniently (Latin-1) but only ASCII is ever written into it. ISO_IR 6 names the
                // default repertoire (ASCII): stray 8-bit bytes are read as Latin-1, but none are ever written under it.
                _writeEncoding = terms.Length == 0 || terms[0].Length == 0 || terms[0] == "ISO_IR 6" || !IsKnown ? Encoding.ASCII : _single;
            }
            else
            {
                // With code extensions, the first value's G0/G1 sets are active at the start of each value:
                // text needing only those can be written without escape sequences.
                var first = terms[0].Length == 0 ? "ISO 2022 IR 6" : terms[0];
                _writeEncoding = first == "ISO 2022 IR 6" ? Encoding.ASCII : (SingleByteEncodingForIso2022(first) ?? Encoding.ASCII);
            }
        }

        /// <summary>The (0008,0005) value as found (backslash-separated terms), "" when absent.</summary>
        public string Value { get; }
        public bool IsIso2022 { get; private set; }
        /// <summary>False when a term is not one we can decode: such text is never transcoded.</summary>
        public bool IsKnown { get; private set; }
        internal static bool Ready => ProviderRegistered;
        public bool IsUtf8 => !IsIso2022 && _terms.Length > 0 && _terms[0] == Utf8Term;
        public bool IsDefault => _terms.Length == 0 || (_terms.Length == 1 && _terms[0].Length == 0);

        public static DicomCharacterSet Parse(string? specificCharacterSet) => Parse(specificCharacterSet, null);

        /// <summary>
        /// Parses (0008,0005). Common misspellings of a defined term (<c>ISO-IR 100</c>, <c>ISO_IR100</c>, <c>iso_ir 100</c>,
        /// <c>ISO2022 IR 87</c>, <c>gb18030</c>) are read as the term they mean, as dcmtk and pydicom do, and reported to
        /// <paramref name="warning"/>; the file's bytes are not changed by that.
        /// </summary>
        public static DicomCharacterSet Parse(string? specificCharacterSet, Action<string>? warning)
        {
            if (string.IsNullOrWhiteSpace(specificCharacterSet)) return Default;
            var terms = specificCharacterSet!.Split('\\');
            for (var i = 0; i < terms.Length; i++)
            {
                terms[i] = terms[i].Trim();
                if (IsKnownTerm(terms[i])) continue;
                var meant = Normalize(terms[i]);
                if (meant == null) continue;
                warning?.Invoke("Specific Character Set (0008,0005) term '" + terms[i] + "' is not a defined term; it is read as '" + meant + "'.");
                terms[i] = meant;
            }
            return new DicomCharacterSet(string.Join("\\", terms), terms);
        }

        /// <summary>The defined term a misspelt one means, or null when it does not look like one we know.</summary>
        internal static string? Normalize(string term)
        {
            var t = term.Trim().ToUpperInvariant().Replace('-', ' ').Replace('_', ' ');
            while (t.Contains("  ")) t = t.Replace("  ", " ");
            string? candidate = null;
            if (t == "GB18030" || t == "GBK") candidate = t;
            else if (t == "UTF8" || t == "UTF 8") candidate = Utf8Term;
            else
            {
                var iso2022 = t.StartsWith("ISO 2022", StringComparison.Ordinal) || t.StartsWith("ISO2022", StringComparison.Ordinal);
                var ir = t.LastIndexOf("IR", StringComparison.Ordinal);
                if (ir < 0 || !t.StartsWith("ISO", StringComparison.Ordinal)) return null;
                var number = t.Substring(ir + 2).Trim();
                if (number.Length == 0 || number.Length > 3) return null;
                foreach (var c in number) if (c < '0' || c > '9') return null;
                candidate = iso2022 ? "ISO 2022 IR " + number : "ISO_IR " + number;
            }
            return IsKnownTerm(candidate) ? candidate : null;
        }

        /// <summary>Whether a term names a character set we understand (unknown ones make a file unsafe to edit).</summary>
        public static bool IsKnownTerm(string term) =>
            term.Length == 0 || EncodingForTerm(term) != null || term.StartsWith("ISO 2022", StringComparison.Ordinal) && Iso2022Known(term);

        private static bool Iso2022Known(string term)
        {
            switch (term)
            {
                case "ISO 2022 IR 6": case "ISO 2022 IR 13": case "ISO 2022 IR 87": case "ISO 2022 IR 159":
                case "ISO 2022 IR 149": case "ISO 2022 IR 58": case "ISO 2022 IR 166":
                    return true;
                default:
                    return SingleByteEncodingForIso2022(term) != null;
            }
        }

        private static Encoding? EncodingForTerm(string term)
        {
            switch (term)
            {
                case "": case "ISO_IR 6": return Latin1; // default repertoire; stray 8-bit bytes read as Latin-1, as most viewers do
                case "ISO_IR 100": return Latin1;
                case "ISO_IR 101": return Encoding.GetEncoding(28592);
                case "ISO_IR 109": return Encoding.GetEncoding(28593);
                case "ISO_IR 110": return Encoding.GetEncoding(28594);
                case "ISO_IR 144": return Encoding.GetEncoding(28595);
                case "ISO_IR 127": return Encoding.GetEncoding(28596);
                case "ISO_IR 126": return Encoding.GetEncoding(28597);
                case "ISO_IR 138": return Encoding.GetEncoding(28598);
                case "ISO_IR 148": return Encoding.GetEncoding(28599);
                case "ISO_IR 203": return Encoding.GetEncoding(28605);
                case "ISO_IR 166": return Encoding.GetEncoding(874);
                case "ISO_IR 13": return Encoding.GetEncoding(932);
                case "ISO_IR 192": return new UTF8Encoding(false, false);
                case "GB18030": return Encoding.GetEncoding(54936);
                case "GBK": return Encoding.GetEncoding(936);
                default: return null;
            }
        }

        private static Encoding? SingleByteEncodingForIso2022(string term)
        {
            switch (term)
            {
                case "ISO 2022 IR 100": return Latin1;
                case "ISO 2022 IR 101": return Encoding.GetEncoding(28592);
                case "ISO 2022 IR 109": return Encoding.GetEncoding(28593);
                case "ISO 2022 IR 110": return Encoding.GetEncoding(28594);
                case "ISO 2022 IR 144": return Encoding.GetEncoding(28595);
                case "ISO 2022 IR 127": return Encoding.GetEncoding(28596);
                case "ISO 2022 IR 126": return Encoding.GetEncoding(28597);
                case "ISO 2022 IR 138": return Encoding.GetEncoding(28598);
                case "ISO 2022 IR 148": return Encoding.GetEncoding(28599);
                case "ISO 2022 IR 203": return Encoding.GetEncoding(28605);
                case "ISO 2022 IR 166": return Encoding.GetEncoding(874);
                default: return null;
            }
        }

        public string Decode(byte[] data, int offset, int count, string vr)
        {
            if (count == 0) return string.Empty;
            if (!VrRules.UsesCharacterSet(vr)) return Latin1.GetString(data, offset, count);
            if (!IsIso2022)
            {
                if (_single!.CodePage == 65001 || HasHighBytes(data, offset, count)) return _single.GetString(data, offset, count);
                return Latin1.GetString(data, offset, count);
            }
            return DecodeIso2022(data, offset, count, vr == "PN");
        }

        private static bool HasHighBytes(byte[] data, int offset, int count)
        {
            for (var i = offset; i < offset + count; i++) if (data[i] >= 0x80) return true;
            return false;
        }

        /// <summary>Encodes exactly or returns null when the repertoire cannot carry the text (never substitutes '?').</summary>
        public byte[]? TryEncode(string text, string vr)
        {
            if (text.Length == 0) return Array.Empty<byte>();
            var enc = VrRules.UsesCharacterSet(vr) ? _writeEncoding : Encoding.ASCII;
            if (enc.CodePage == 65001) return Encoding.UTF8.GetBytes(text);
            var strict = Encoding.GetEncoding(enc.CodePage, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
            byte[] bytes;
            try { bytes = strict.GetBytes(text); }
            catch (EncoderFallbackException) { return null; }
            // ESC (0x1B) would start an escape sequence in an ISO 2022 dataset: refuse rather than corrupt.
            foreach (var b in bytes) if (b == 0x1B) return null;
            // Round trip must be exact (best-fit mappings would change the text).
            return strict.GetString(bytes) == text ? bytes : null;
        }

        // ---- ISO 2022 (PS3.5 §6.1.2.5, Annex H/I/J) ----

        private enum G { Ascii, JisRoman, JisKatakana, Jis0208, Jis0212, Ksx1001, Gb2312, SingleByte }

        private static readonly Encoding EucJp = Encoding.GetEncoding(20932);
        private static readonly Encoding EucKr = Encoding.GetEncoding(51949);
        private static readonly Encoding Gb2312 = Encoding.GetEncoding(936);
        private static readonly Encoding ShiftJis = Encoding.GetEncoding(932);

        private string DecodeIso2022(byte[] data, int offset, int count, bool personName)
        {
            var sb = new StringBuilder(count);
            G g0 = G.Ascii, g1 = G.SingleByte;
            Encoding? g1Single = null;
            ResetToInitial(ref g0, ref g1, ref g1Single);
            var end = offset + count;
            var i = offset;
            var run = new List<byte>(32);
            while (i < end)
            {
                var b = data[i];
                if (b == 0x1B)
                {
                    if (TryEscape(data, i, end, ref g0, ref g1, ref g1Single, out var used)) { i += used; continue; }
                    sb.Append('\u001B'); i++; continue;
                }
                if (b < 0x80)
                {
                    // Delimiters and control characters bring back the initial sets (PS3.5 §6.1.2.5.3).
                    if (b == 0x0D || b == 0x0A || b == 0x09 || b == 0x0C || b == (byte)'\\' || (personName && (b == (byte)'^' || b == (byte)'=')))
                    {
                        sb.Append((char)b);
                        ResetToInitial(ref g0, ref g1, ref g1Single);
                        i++;
                        continue;
                    }
                    if ((g0 == G.Jis0208 || g0 == G.Jis0212) && b >= 0x21 && b < 0x7F && i + 1 < end)
                    {
                        run.Clear();
                        if (g0 == G.Jis0212) run.Add(0x8F);
                        run.Add((byte)(b | 0x80)); run.Add((byte)(data[i + 1] | 0x80));
                        sb.Append(EucJp.GetString(run.ToArray()));
                        i += 2;
                        continue;
                    }
                    if (g0 == G.JisRoman && b == 0x5C) sb.Append('\u00A5');
                    else if (g0 == G.JisRoman && b == 0x7E) sb.Append('\u203E');
                    else sb.Append((char)b);
                    i++;
                    continue;
                }
                switch (g1)
                {
                    case G.Ksx1001:
                    case G.Gb2312:
                        if (i + 1 < end)
                        {
                            sb.Append((g1 == G.Ksx1001 ? EucKr : Gb2312).GetString(data, i, 2));
                            i += 2;
                            continue;
                        }
                        break;
                    case G.JisKatakana:
                        sb.Append(ShiftJis.GetString(data, i, 1));
                        i++;
                        continue;
                }
                sb.Append((g1Single ?? Latin1).GetString(data, i, 1));
                i++;
            }
            return sb.ToString();
        }

        private void ResetToInitial(ref G g0, ref G g1, ref Encoding? g1Single)
        {
            g0 = G.Ascii; g1 = G.SingleByte; g1Single = null;
            var first = _terms.Length > 0 ? _terms[0] : string.Empty;
            switch (first)
            {
                case "ISO 2022 IR 13": g0 = G.JisRoman; g1 = G.JisKatakana; break;
                case "ISO 2022 IR 149": g1 = G.Ksx1001; break;
                case "ISO 2022 IR 58": g1 = G.Gb2312; break;
                default: g1Single = SingleByteEncodingForIso2022(first); break;
            }
        }

        private static bool TryEscape(byte[] d, int i, int end, ref G g0, ref G g1, ref Encoding? g1Single, out int used)
        {
            used = 0;
            bool Match(params byte[] seq)
            {
                if (i + seq.Length > end) return false;
                for (var k = 0; k < seq.Length; k++) if (d[i + k] != seq[k]) return false;
                return true;
            }
            const byte E = 0x1B;
            if (Match(E, (byte)'(', (byte)'B')) { g0 = G.Ascii; used = 3; return true; }
            if (Match(E, (byte)'(', (byte)'J')) { g0 = G.JisRoman; used = 3; return true; }
            if (Match(E, (byte)')', (byte)'I')) { g1 = G.JisKatakana; used = 3; return true; }
            if (Match(E, (byte)'$', (byte)'B')) { g0 = G.Jis0208; used = 3; return true; }
            if (Match(E, (byte)'$', (byte)'(', (byte)'D')) { g0 = G.Jis0212; used = 4; return true; }
            if (Match(E, (byte)'$', (byte)')', (byte)'C')) { g1 = G.Ksx1001; used = 4; return true; }
            if (Match(E, (byte)'$', (byte)')', (byte)'A')) { g1 = G.Gb2312; used = 4; return true; }
            if (i + 3 <= end && d[i + 1] == (byte)'-')
            {
                string? term = d[i + 2] switch
                {
                    (byte)'A' => "ISO 2022 IR 100", (byte)'B' => "ISO 2022 IR 101", (byte)'C' => "ISO 2022 IR 109",
                    (byte)'D' => "ISO 2022 IR 110", (byte)'L' => "ISO 2022 IR 144", (byte)'G' => "ISO 2022 IR 127",
                    (byte)'F' => "ISO 2022 IR 126", (byte)'H' => "ISO 2022 IR 138", (byte)'M' => "ISO 2022 IR 148",
                    (byte)'b' => "ISO 2022 IR 203", (byte)'T' => "ISO 2022 IR 166", _ => null,
                };
                if (term != null) { g1 = G.SingleByte; g1Single = SingleByteEncodingForIso2022(term); used = 3; return true; }
            }
            return false;
        }
    }
}
