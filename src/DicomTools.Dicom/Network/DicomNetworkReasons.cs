using System.Collections.Generic;
using System.Globalization;

namespace DicomTools.Dicom.Network
{
    /// <summary>PS3.8 rejection/abort reasons and presentation-context results as words an admin can act on.</summary>
    public static class DicomNetworkReasons
    {
        /// <summary>A-ASSOCIATE-RJ source and reason (PS3.8 §9.3.4), e.g. "called AE title not recognized (PS3.8 reason 7)".</summary>
        public static string Rejection(byte source, byte reason)
        {
            string? text = null;
            switch (source)
            {
                case 1: // DICOM UL service user
                    switch (reason)
                    {
                        case 1: text = "no reason given by the peer"; break;
                        case 2: text = "application context name not supported"; break;
                        case 3: text = "calling AE title not recognized"; break;
                        case 7: text = "called AE title not recognized"; break;
                    }
                    break;
                case 2: // ACSE related
                    switch (reason)
                    {
                        case 1: text = "no reason given by the peer's ACSE"; break;
                        case 2: text = "protocol version not supported"; break;
                    }
                    break;
                case 3: // presentation related
                    switch (reason)
                    {
                        case 1: text = "the peer is temporarily congested"; break;
                        case 2: text = "the peer's local limit (e.g. of associations) is exceeded"; break;
                    }
                    break;
            }
            return (text ?? "reason " + reason.ToString(CultureInfo.InvariantCulture) + " from source " + source.ToString(CultureInfo.InvariantCulture) + ", not defined by the standard")
                + " (PS3.8 reason " + reason.ToString(CultureInfo.InvariantCulture) + ")";
        }

        /// <summary>A-ABORT source and reason (PS3.8 §9.3.8).</summary>
        public static string Abort(byte source, byte reason)
        {
            if (source == 0) return "aborted by the peer application (service user, PS3.8 source 0)";
            string text;
            switch (reason)
            {
                case 0: text = "reason not specified"; break;
                case 1: text = "unrecognized PDU"; break;
                case 2: text = "unexpected PDU"; break;
                case 4: text = "unrecognized PDU parameter"; break;
                case 5: text = "unexpected PDU parameter"; break;
                case 6: text = "invalid PDU parameter value"; break;
                default: text = "reason " + reason.ToString(CultureInfo.InvariantCulture); break;
            }
            return text + " (service provider, PS3.8 abort reason " + reason.ToString(CultureInfo.InvariantCulture) + ")";
        }

        /// <summary>Presentation context result (PS3.8 §9.3.3.2).</summary>
        public static string ContextResult(DicomPresentationContextResult result)
        {
            switch (result)
            {
                case DicomPresentationContextResult.Accepted: return "accepted";
                case DicomPresentationContextResult.UserRejection: return "rejected by the peer application";
                case DicomPresentationContextResult.NoReason: return "rejected (no reason given)";
                case DicomPresentationContextResult.AbstractSyntaxNotSupported: return "SOP class not supported";
                case DicomPresentationContextResult.TransferSyntaxesNotSupported: return "none of the transfer syntaxes supported";
                default: return "result " + ((int)result).ToString(CultureInfo.InvariantCulture);
            }
        }
    }

    /// <summary>Names of the UIDs an admin meets when sending: transfer syntaxes and common storage SOP classes.</summary>
    public static class DicomUidNames
    {
        private static readonly Dictionary<string, string> Names = new Dictionary<string, string>
        {
            ["1.2.840.10008.1.1"] = "Verification",
            ["1.2.840.10008.1.2"] = "Implicit VR Little Endian",
            ["1.2.840.10008.1.2.1"] = "Explicit VR Little Endian",
            ["1.2.840.10008.1.2.1.99"] = "Deflated Explicit VR Little Endian",
            ["1.2.840.10008.1.2.2"] = "Explicit VR Big Endian",
            ["1.2.840.10008.1.2.4.50"] = "JPEG Baseline",
            ["1.2.840.10008.1.2.4.51"] = "JPEG Extended",
            ["1.2.840.10008.1.2.4.57"] = "JPEG Lossless",
            ["1.2.840.10008.1.2.4.70"] = "JPEG Lossless SV1",
            ["1.2.840.10008.1.2.4.80"] = "JPEG-LS Lossless",
            ["1.2.840.10008.1.2.4.81"] = "JPEG-LS Near-Lossless",
            ["1.2.840.10008.1.2.4.90"] = "JPEG 2000 Lossless",
            ["1.2.840.10008.1.2.4.91"] = "JPEG 2000",
            ["1.2.840.10008.1.2.4.201"] = "HTJ2K Lossless",
            ["1.2.840.10008.1.2.4.203"] = "HTJ2K",
            ["1.2.840.10008.1.2.5"] = "RLE Lossless",
            ["1.2.840.10008.5.1.4.1.1.1"] = "CR Image Storage",
            ["1.2.840.10008.5.1.4.1.1.1.1"] = "Digital X-Ray Image Storage",
            ["1.2.840.10008.5.1.4.1.1.2"] = "CT Image Storage",
            ["1.2.840.10008.5.1.4.1.1.4"] = "MR Image Storage",
            ["1.2.840.10008.5.1.4.1.1.6.1"] = "Ultrasound Image Storage",
            ["1.2.840.10008.5.1.4.1.1.7"] = "Secondary Capture Image Storage",
            ["1.2.840.10008.5.1.4.1.1.77.1.6"] = "VL Whole Slide Microscopy Image Storage",
            ["1.2.840.10008.5.1.4.1.1.77.1.2"] = "VL Microscopic Image Storage",
            ["1.2.840.10008.5.1.4.1.1.88.11"] = "Basic Text SR Storage",
            ["1.2.840.10008.5.1.4.1.1.104.1"] = "Encapsulated PDF Storage",
        };

        /// <summary>"CT Image Storage (1.2.840.10008.5.1.4.1.1.2)", or the bare UID when we do not know its name.</summary>
        public static string Describe(string uid) => Names.TryGetValue(uid, out var name) ? name + " (" + uid + ")" : uid;

        /// <summary>The name alone, or null.</summary>
        public static string? NameOf(string uid) => Names.TryGetValue(uid, out var name) ? name : null;
    }
}
