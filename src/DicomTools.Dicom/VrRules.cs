using System;

namespace DicomTools.Dicom
{
    /// <summary>Facts about value representations (PS3.5 §6.2) the codec needs.</summary>
    internal static class VrRules
    {
        /// <summary>VRs whose explicit header is 2 reserved bytes + a 32-bit length.</summary>
        public static bool HasLongHeader(string vr)
        {
            switch (vr)
            {
                case "OB": case "OD": case "OF": case "OL": case "OV": case "OW":
                case "SQ": case "UC": case "UN": case "UR": case "UT": case "SV": case "UV":
                    return true;
                default:
                    return false;
            }
        }

        /// <summary>Text VRs whose bytes follow (0008,0005); the others are in the default repertoire.</summary>
        public static bool UsesCharacterSet(string vr)
        {
            switch (vr)
            {
                case "SH": case "LO": case "ST": case "LT": case "UT": case "PN": case "UC":
                    return true;
                default:
                    return false;
            }
        }

        public static bool IsText(string vr)
        {
            switch (vr)
            {
                case "AE": case "AS": case "CS": case "DA": case "DS": case "DT": case "IS": case "LO": case "LT":
                case "PN": case "SH": case "ST": case "TM": case "UC": case "UI": case "UR": case "UT":
                    return true;
                default:
                    return false;
            }
        }

        /// <summary>Size of one number for byte swapping in big endian; 1 for bytes and text.</summary>
        public static int WordSize(string vr)
        {
            switch (vr)
            {
                case "US": case "SS": case "OW": return 2;
                case "UL": case "SL": case "FL": case "AT": case "OL": case "OF": return 4;
                case "FD": case "OD": case "SV": case "UV": case "OV": return 8;
                default: return 1;
            }
        }

        public static bool IsValidVrCode(byte a, byte b) => a >= (byte)'A' && a <= (byte)'Z' && b >= (byte)'A' && b <= (byte)'Z';

        public static bool IsKnown(string vr)
        {
            switch (vr)
            {
                case "AE": case "AS": case "AT": case "CS": case "DA": case "DS": case "DT": case "FL": case "FD": case "IS":
                case "LO": case "LT": case "OB": case "OD": case "OF": case "OL": case "OV": case "OW": case "PN": case "SH":
                case "SL": case "SQ": case "SS": case "ST": case "SV": case "TM": case "UC": case "UI": case "UL": case "UN":
                case "UR": case "US": case "UT": case "UV":
                    return true;
                default:
                    return false;
            }
        }

        /// <summary>Two ASCII bytes as a string without allocating for the common VRs.</summary>
        public static string FromBytes(byte a, byte b)
        {
            switch ((a << 8) | b)
            {
                case ('A' << 8) | 'E': return "AE"; case ('A' << 8) | 'S': return "AS"; case ('A' << 8) | 'T': return "AT";
                case ('C' << 8) | 'S': return "CS"; case ('D' << 8) | 'A': return "DA"; case ('D' << 8) | 'S': return "DS";
                case ('D' << 8) | 'T': return "DT"; case ('F' << 8) | 'L': return "FL"; case ('F' << 8) | 'D': return "FD";
                case ('I' << 8) | 'S': return "IS"; case ('L' << 8) | 'O': return "LO"; case ('L' << 8) | 'T': return "LT";
                case ('O' << 8) | 'B': return "OB"; case ('O' << 8) | 'D': return "OD"; case ('O' << 8) | 'F': return "OF";
                case ('O' << 8) | 'L': return "OL"; case ('O' << 8) | 'V': return "OV"; case ('O' << 8) | 'W': return "OW";
                case ('P' << 8) | 'N': return "PN"; case ('S' << 8) | 'H': return "SH"; case ('S' << 8) | 'L': return "SL";
                case ('S' << 8) | 'Q': return "SQ"; case ('S' << 8) | 'S': return "SS"; case ('S' << 8) | 'T': return "ST";
                case ('S' << 8) | 'V': return "SV"; case ('T' << 8) | 'M': return "TM"; case ('U' << 8) | 'C': return "UC";
                case ('U' << 8) | 'I': return "UI"; case ('U' << 8) | 'L': return "UL"; case ('U' << 8) | 'N': return "UN";
                case ('U' << 8) | 'R': return "UR"; case ('U' << 8) | 'S': return "US"; case ('U' << 8) | 'T': return "UT";
                case ('U' << 8) | 'V': return "UV";
                default: return new string(new[] { (char)a, (char)b });
            }
        }
    }
}
