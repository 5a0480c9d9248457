using System.Globalization;

namespace DicomTools.Dicom.Network
{
    /// <summary>What a DIMSE status means for the file that was sent.</summary>
    public enum DicomStoreOutcome
    {
        /// <summary>0000: stored.</summary>
        Stored,
        /// <summary>B000, B006, B007 (and other Bxxx): stored, with a warning worth showing.</summary>
        StoredWithWarning,
        /// <summary>A7xx: the peer is out of resources; trying again later may succeed.</summary>
        OutOfResources,
        /// <summary>A9xx, Cxxx and every other status: not stored.</summary>
        Failed,
    }

    /// <summary>DIMSE status codes (PS3.7 Annex C, PS3.4 B.2.3) as outcomes and sentences.</summary>
    public static class DicomStatus
    {
        /// <summary>Status 0000.</summary>
        public const ushort Success = 0x0000;

        /// <summary>What a status means for the file: stored, stored with a warning, out of resources, or failed.</summary>
        public static DicomStoreOutcome Classify(ushort status)
        {
            if (status == Success) return DicomStoreOutcome.Stored;
            if ((status & 0xF000) == 0xB000) return DicomStoreOutcome.StoredWithWarning;
            if ((status & 0xFF00) == 0xA700) return DicomStoreOutcome.OutOfResources;
            return DicomStoreOutcome.Failed;
        }

        /// <summary>Retry only what the peer says may work later: out of resources.</summary>
        public static bool IsRetryable(ushort status) => Classify(status) == DicomStoreOutcome.OutOfResources;

        /// <summary>The status in words with its hex code, e.g. "data set does not match SOP class (A900)".</summary>
        public static string Describe(ushort status)
        {
            string text;
            switch (status)
            {
                case 0x0000: text = "success"; break;
                case 0x0001: text = "warning: requested optional attributes are not supported"; break;
                case 0x0107: text = "warning: attribute list error"; break;
                case 0x0116: text = "warning: attribute value out of range"; break;
                case 0xB000: text = "stored, but some elements were coerced"; break;
                case 0xB006: text = "stored, but some elements were discarded"; break;
                case 0xB007: text = "stored, but the data set does not match the SOP class"; break;
                case 0x0110: text = "processing failure"; break;
                case 0x0111: text = "duplicate SOP instance"; break;
                case 0x0117: text = "invalid object instance"; break;
                case 0x0118: text = "no such SOP class"; break;
                case 0x0119: text = "class-instance conflict"; break;
                case 0x0122: text = "SOP class not supported"; break;
                case 0x0124: text = "refused: not authorized"; break;
                case 0x0210: text = "duplicate invocation"; break;
                case 0x0211: text = "unrecognized operation"; break;
                case 0x0212: text = "mistyped argument"; break;
                case 0x0213: text = "resource limitation"; break;
                case 0xC000: text = "cannot understand"; break;
                default:
                    if ((status & 0xFF00) == 0xA700) text = "refused: out of resources";
                    else if ((status & 0xFF00) == 0xA900) text = "error: data set does not match SOP class";
                    else if ((status & 0xF000) == 0xC000) text = "error: cannot understand";
                    else if ((status & 0xF000) == 0xB000) text = "warning";
                    else if (status == 0xFE00) text = "cancelled";
                    else text = "failure";
                    break;
            }
            return text + " (" + status.ToString("X4", CultureInfo.InvariantCulture) + ")";
        }
    }
}
