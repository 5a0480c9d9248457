using System;
using System.Collections.Generic;

namespace DicomTools.Dicom
{
    /// <summary>
    /// A value representation (PS3.5 §6.2): the two-letter code and the facts a codec needs about it. Converts to and
    /// from its code implicitly, so <c>vr == "PN"</c> and <c>string code = vr</c> read as before.
    /// </summary>
    public readonly struct DicomVR : IEquatable<DicomVR>
    {
        private readonly string? _code;

        /// <summary>A VR from its code (two upper-case letters); codes outside the standard are allowed (see <see cref="IsKnown"/>).</summary>
        /// <exception cref="ArgumentException">The code is not two letters A-Z.</exception>
        public DicomVR(string code)
        {
            if (code == null || code.Length != 2 || !VrRules.IsValidVrCode((byte)code[0], (byte)code[1]))
                throw new ArgumentException("'" + code + "' is not a VR code (two letters A-Z).", nameof(code));
            _code = VrRules.FromBytes((byte)code[0], (byte)code[1]);
        }

        /// <summary>The two-letter code, e.g. "PN"; "" for the default value and for item tags, which have no VR.</summary>
        public string Code => _code ?? string.Empty;

        /// <summary>One of the 34 VRs of PS3.5 Table 6.2-1.</summary>
        public bool IsKnown => _code != null && VrRules.IsKnown(_code);

        /// <summary>Text (strings, numbers as text, dates, UIDs): AE AS CS DA DS DT IS LO LT PN SH ST TM UC UI UR UT.</summary>
        public bool IsText => _code != null && VrRules.IsText(_code);

        /// <summary>Text whose bytes follow (0008,0005) Specific Character Set: SH LO ST LT UT PN UC; the rest is ASCII.</summary>
        public bool UsesCharacterSet => _code != null && VrRules.UsesCharacterSet(_code);

        /// <summary>In explicit VR, a header of 2 reserved bytes and a 32-bit length (OB OD OF OL OV OW SQ SV UC UN UR UT UV).</summary>
        public bool HasLongHeader => _code != null && VrRules.HasLongHeader(_code);

        /// <summary>Binary numbers of a fixed size (US SS UL SL FL FD AT SV UV) or words (OW OL OF OD OV): see <see cref="WordSize"/>.</summary>
        public bool IsBinaryNumber => _code != null && VrRules.WordSize(_code) > 1;

        /// <summary>Size in bytes of one number (byte-swapped in big endian); 1 for text and bytes.</summary>
        public int WordSize => _code == null ? 1 : VrRules.WordSize(_code);

        /// <summary>The sequence VR.</summary>
        public bool IsSequence => _code == "SQ";

        /// <summary>Every VR of the standard, in alphabetical order.</summary>
        public static IReadOnlyList<DicomVR> All { get; } = new[]
        {
            "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV", "OW", "PN", "SH", "SL",
            "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV",
        }.ConvertAll();

        /// <summary>Person Name.</summary>
        public static readonly DicomVR PN = new DicomVR("PN");
        /// <summary>Long String.</summary>
        public static readonly DicomVR LO = new DicomVR("LO");
        /// <summary>Short String.</summary>
        public static readonly DicomVR SH = new DicomVR("SH");
        /// <summary>Code String.</summary>
        public static readonly DicomVR CS = new DicomVR("CS");
        /// <summary>Unique Identifier.</summary>
        public static readonly DicomVR UI = new DicomVR("UI");
        /// <summary>Date.</summary>
        public static readonly DicomVR DA = new DicomVR("DA");
        /// <summary>Time.</summary>
        public static readonly DicomVR TM = new DicomVR("TM");
        /// <summary>Date Time.</summary>
        public static readonly DicomVR DT = new DicomVR("DT");
        /// <summary>Sequence of Items.</summary>
        public static readonly DicomVR SQ = new DicomVR("SQ");
        /// <summary>Other Byte.</summary>
        public static readonly DicomVR OB = new DicomVR("OB");
        /// <summary>Other Word.</summary>
        public static readonly DicomVR OW = new DicomVR("OW");
        /// <summary>Unknown.</summary>
        public static readonly DicomVR UN = new DicomVR("UN");
        /// <summary>Unsigned Short.</summary>
        public static readonly DicomVR US = new DicomVR("US");
        /// <summary>Unsigned Long.</summary>
        public static readonly DicomVR UL = new DicomVR("UL");

        /// <summary>Parses a code ("pn" is accepted as "PN"); false for anything but two letters.</summary>
        public static bool TryParse(string? code, out DicomVR vr)
        {
            vr = default;
            if (code == null) return false;
            var c = code.Trim().ToUpperInvariant();
            if (c.Length != 2 || !VrRules.IsValidVrCode((byte)c[0], (byte)c[1])) return false;
            vr = new DicomVR(c);
            return true;
        }

        /// <summary>The code; "" for the default value.</summary>
        public static implicit operator string(DicomVR vr) => vr.Code;

        /// <summary>The VR of a code; null or "" give the default value (no VR, as for item tags).</summary>
        /// <exception cref="ArgumentException">The code is not two letters A-Z.</exception>
        public static implicit operator DicomVR(string? code) => string.IsNullOrEmpty(code) ? default : new DicomVR(code!);

        /// <summary>Same code.</summary>
        public bool Equals(DicomVR other) => string.Equals(Code, other.Code, StringComparison.Ordinal);

        /// <inheritdoc />
        public override bool Equals(object? obj) => obj is DicomVR v ? Equals(v) : obj is string s && string.Equals(Code, s, StringComparison.Ordinal);

        /// <inheritdoc />
        public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Code);

        /// <summary>Same code.</summary>
        public static bool operator ==(DicomVR a, DicomVR b) => a.Equals(b);

        /// <summary>Different codes.</summary>
        public static bool operator !=(DicomVR a, DicomVR b) => !a.Equals(b);

        /// <summary>The VR has this code (no exception for a code that is not a VR: just false).</summary>
        public static bool operator ==(DicomVR a, string? code) => string.Equals(a.Code, code ?? string.Empty, StringComparison.Ordinal);

        /// <summary>The VR does not have this code.</summary>
        public static bool operator !=(DicomVR a, string? code) => !(a == code);

        /// <summary>The VR has this code.</summary>
        public static bool operator ==(string? code, DicomVR a) => a == code;

        /// <summary>The VR does not have this code.</summary>
        public static bool operator !=(string? code, DicomVR a) => !(a == code);

        /// <summary>The two-letter code.</summary>
        public override string ToString() => Code;
    }

    internal static class DicomVRListExtensions
    {
        public static IReadOnlyList<DicomVR> ConvertAll(this string[] codes)
        {
            var list = new DicomVR[codes.Length];
            for (var i = 0; i < codes.Length; i++) list[i] = new DicomVR(codes[i]);
            return list;
        }
    }
}
