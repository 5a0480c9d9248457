using System;
using System.Collections.Generic;

namespace DicomTools.Dicom
{
    /// <summary>
    /// How a dataset is encoded (PS3.5 §10): VR explicit or implicit, byte order, deflate, and whether pixel data is
    /// encapsulated. Instances are compared by UID; the well-known syntaxes are static fields.
    /// </summary>
    public sealed class DicomTransferSyntax : IEquatable<DicomTransferSyntax>
    {
        private static readonly Dictionary<string, DicomTransferSyntax> Known = new Dictionary<string, DicomTransferSyntax>(StringComparer.Ordinal);

        private DicomTransferSyntax(string uid, string name, bool explicitVr, bool bigEndian, bool deflated, bool encapsulated, bool register = true)
        {
            Uid = uid;
            Name = name;
            ExplicitVr = explicitVr;
            BigEndian = bigEndian;
            Deflated = deflated;
            Encapsulated = encapsulated;
            if (register) Known[uid] = this;
        }

        /// <summary>The transfer syntax UID, e.g. <c>1.2.840.10008.1.2.1</c>.</summary>
        public string Uid { get; }

        /// <summary>The name in PS3.6 Table A-1, or the UID itself for a syntax this codec does not know by name.</summary>
        public string Name { get; }

        /// <summary>True when each element header carries its VR (every syntax but Implicit VR Little Endian).</summary>
        public bool ExplicitVr { get; }

        /// <summary>True for Explicit VR Big Endian (retired).</summary>
        public bool BigEndian { get; }

        /// <summary>True when the dataset after File Meta is a raw deflate stream.</summary>
        public bool Deflated { get; }

        /// <summary>True when pixel data is compressed and held as undefined-length fragments.</summary>
        public bool Encapsulated { get; }

        /// <summary>Implicit VR Little Endian, the DICOM default (1.2.840.10008.1.2).</summary>
        public static readonly DicomTransferSyntax ImplicitVRLittleEndian = new DicomTransferSyntax("1.2.840.10008.1.2", "Implicit VR Little Endian", false, false, false, false);

        /// <summary>Explicit VR Little Endian (1.2.840.10008.1.2.1); also the encoding of File Meta.</summary>
        public static readonly DicomTransferSyntax ExplicitVRLittleEndian = new DicomTransferSyntax("1.2.840.10008.1.2.1", "Explicit VR Little Endian", true, false, false, false);

        /// <summary>Deflated Explicit VR Little Endian (1.2.840.10008.1.2.1.99).</summary>
        public static readonly DicomTransferSyntax DeflatedExplicitVRLittleEndian = new DicomTransferSyntax("1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", true, false, true, false);

        /// <summary>Explicit VR Big Endian (1.2.840.10008.1.2.2, retired).</summary>
        public static readonly DicomTransferSyntax ExplicitVRBigEndian = new DicomTransferSyntax("1.2.840.10008.1.2.2", "Explicit VR Big Endian", true, true, false, false);

        /// <summary>Encapsulated Uncompressed Explicit VR Little Endian (1.2.840.10008.1.2.1.98).</summary>
        public static readonly DicomTransferSyntax EncapsulatedUncompressedExplicitVRLittleEndian = Encaps("1.2.840.10008.1.2.1.98", "Encapsulated Uncompressed Explicit VR Little Endian");

        /// <summary>JPEG Baseline (Process 1) (1.2.840.10008.1.2.4.50).</summary>
        public static readonly DicomTransferSyntax JPEGBaseline8Bit = Encaps("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)");

        /// <summary>JPEG Extended (Process 2 and 4) (1.2.840.10008.1.2.4.51).</summary>
        public static readonly DicomTransferSyntax JPEGExtended12Bit = Encaps("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)");

        /// <summary>JPEG Lossless, Non-Hierarchical (Process 14) (1.2.840.10008.1.2.4.57).</summary>
        public static readonly DicomTransferSyntax JPEGLossless = Encaps("1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)");

        /// <summary>JPEG Lossless, First-Order Prediction (Process 14 SV1) (1.2.840.10008.1.2.4.70).</summary>
        public static readonly DicomTransferSyntax JPEGLosslessSV1 = Encaps("1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])");

        /// <summary>JPEG-LS Lossless (1.2.840.10008.1.2.4.80).</summary>
        public static readonly DicomTransferSyntax JPEGLSLossless = Encaps("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless Image Compression");

        /// <summary>JPEG-LS Lossy (Near-Lossless) (1.2.840.10008.1.2.4.81).</summary>
        public static readonly DicomTransferSyntax JPEGLSNearLossless = Encaps("1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless) Image Compression");

        /// <summary>JPEG 2000 Lossless Only (1.2.840.10008.1.2.4.90).</summary>
        public static readonly DicomTransferSyntax JPEG2000Lossless = Encaps("1.2.840.10008.1.2.4.90", "JPEG 2000 Image Compression (Lossless Only)");

        /// <summary>JPEG 2000 (1.2.840.10008.1.2.4.91).</summary>
        public static readonly DicomTransferSyntax JPEG2000 = Encaps("1.2.840.10008.1.2.4.91", "JPEG 2000 Image Compression");

        /// <summary>High-Throughput JPEG 2000 Lossless Only (1.2.840.10008.1.2.4.201).</summary>
        public static readonly DicomTransferSyntax HTJ2KLossless = Encaps("1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 Image Compression (Lossless Only)");

        /// <summary>High-Throughput JPEG 2000 (1.2.840.10008.1.2.4.203).</summary>
        public static readonly DicomTransferSyntax HTJ2K = Encaps("1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000 Image Compression");

        /// <summary>RLE Lossless (1.2.840.10008.1.2.5).</summary>
        public static readonly DicomTransferSyntax RLELossless = Encaps("1.2.840.10008.1.2.5", "RLE Lossless");

        /// <summary>MPEG-4 AVC/H.264 High Profile / Level 4.1 (1.2.840.10008.1.2.4.102).</summary>
        public static readonly DicomTransferSyntax MPEG4HP41 = Encaps("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile / Level 4.1");

        private static DicomTransferSyntax Encaps(string uid, string name) => new DicomTransferSyntax(uid, name, true, false, false, true);

        /// <summary>The syntaxes this codec knows by name.</summary>
        public static IReadOnlyCollection<DicomTransferSyntax> WellKnown => Known.Values;

        /// <summary>
        /// The syntax of a UID. A UID not known by name is taken as an encapsulated (compressed) syntax, which PS3.5
        /// §A.4 requires to be explicit VR little endian: that is how its dataset can still be read and edited.
        /// </summary>
        /// <exception cref="ArgumentException">The text is not a UID (digits and dots).</exception>
        public static DicomTransferSyntax FromUid(string uid)
        {
            if (TryParse(uid, out var syntax)) return syntax;
            throw new ArgumentException("'" + uid + "' is not a transfer syntax UID.", nameof(uid));
        }

        /// <summary>For UIDs read from a file: never throws; text that is not a UID is read as explicit VR little endian.</summary>
        internal static DicomTransferSyntax FromUidLenient(string uid) =>
            TryParse(uid, out var syntax) ? syntax : new DicomTransferSyntax(uid, uid, true, false, false, true, register: false);

        /// <summary>Parses a UID (padding NUL/space ignored) or the name of a well-known syntax (case-insensitive).</summary>
        public static bool TryParse(string? uidOrName, out DicomTransferSyntax syntax)
        {
            syntax = null!;
            if (uidOrName == null) return false;
            var text = uidOrName.Trim().TrimEnd('\0').Trim();
            if (Known.TryGetValue(text, out syntax!)) return true;
            foreach (var s in Known.Values)
            {
                if (string.Equals(s.Name, text, StringComparison.OrdinalIgnoreCase)) { syntax = s; return true; }
            }
            if (!IsUid(text)) return false;
            syntax = new DicomTransferSyntax(text, text, true, false, false, true, register: false);
            return true;
        }

        private static bool IsUid(string text)
        {
            if (text.Length == 0 || text.Length > 64) return false;
            foreach (var c in text) if ((c < '0' || c > '9') && c != '.') return false;
            return text[0] != '.' && text[text.Length - 1] != '.';
        }

        /// <summary>Same UID.</summary>
        public bool Equals(DicomTransferSyntax? other) => other != null && string.Equals(Uid, other.Uid, StringComparison.Ordinal);

        /// <inheritdoc />
        public override bool Equals(object? obj) => Equals(obj as DicomTransferSyntax);

        /// <inheritdoc />
        public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Uid);

        /// <summary>Same UID.</summary>
        public static bool operator ==(DicomTransferSyntax? a, DicomTransferSyntax? b) => a is null ? b is null : a.Equals(b);

        /// <summary>Different UIDs.</summary>
        public static bool operator !=(DicomTransferSyntax? a, DicomTransferSyntax? b) => !(a == b);

        /// <summary>The name, e.g. "Explicit VR Little Endian".</summary>
        public override string ToString() => Name;
    }
}
