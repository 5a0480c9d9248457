using System;
using System.Collections.Generic;
using System.Linq;

namespace DicomTools.Dicom.Network
{
    /// <summary>Presentation context result of an A-ASSOCIATE-AC (PS3.8 §9.3.3.2).</summary>
    public enum DicomPresentationContextResult
    {
        /// <summary>Accepted in one of the proposed transfer syntaxes.</summary>
        Accepted = 0,
        /// <summary>Rejected by the peer application.</summary>
        UserRejection = 1,
        /// <summary>Rejected by the provider, no reason given.</summary>
        NoReason = 2,
        /// <summary>The SOP class is not supported.</summary>
        AbstractSyntaxNotSupported = 3,
        /// <summary>None of the proposed transfer syntaxes is supported.</summary>
        TransferSyntaxesNotSupported = 4,
        /// <summary>Proposed but absent from the peer's answer.</summary>
        NotAnswered = 255,
    }

    /// <summary>One proposed presentation context: an abstract syntax (SOP class) with the transfer syntaxes we offer for it.</summary>
    public sealed class DicomPresentationContext
    {
        /// <summary>A context proposing <paramref name="transferSyntaxUids"/> (in order of preference) for <paramref name="abstractSyntaxUid"/>.</summary>
        public DicomPresentationContext(string abstractSyntaxUid, IEnumerable<string> transferSyntaxUids)
        {
            AbstractSyntaxUid = abstractSyntaxUid ?? throw new ArgumentNullException(nameof(abstractSyntaxUid));
            TransferSyntaxUids = (transferSyntaxUids ?? throw new ArgumentNullException(nameof(transferSyntaxUids))).ToArray();
            if (TransferSyntaxUids.Count == 0) throw new ArgumentException("A presentation context needs at least one transfer syntax.", nameof(transferSyntaxUids));
        }

        /// <summary>The SOP class UID.</summary>
        public string AbstractSyntaxUid { get; }
        /// <summary>The proposed transfer syntax UIDs, preferred first.</summary>
        public IReadOnlyList<string> TransferSyntaxUids { get; }

        /// <summary>Verification (C-ECHO) in the two uncompressed little endian syntaxes.</summary>
        public static DicomPresentationContext Verification() =>
            new DicomPresentationContext(DicomUids.Verification, DicomUids.UncompressedLittleEndian);

        /// <summary>
        /// The contexts to propose for a set of files: per SOP class, one context per transfer syntax present (so each file
        /// can go as-is) plus one offering the uncompressed little endian syntaxes (the transcoding fallback). Duplicates are
        /// merged; at most 128 contexts fit in an association (PS3.8 odd ids 1-255).
        /// </summary>
        public static IReadOnlyList<DicomPresentationContext> ForFiles(IEnumerable<(string SopClassUid, string TransferSyntaxUid)> files, bool includeVerification = true)
        {
            var result = new List<DicomPresentationContext>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var classes = new List<string>();
            if (includeVerification) { result.Add(Verification()); seen.Add(Key(result[0])); }
            foreach (var (sopClass, ts) in files)
            {
                if (string.IsNullOrEmpty(sopClass) || string.IsNullOrEmpty(ts)) continue;
                if (!classes.Contains(sopClass)) classes.Add(sopClass);
                Add(new DicomPresentationContext(sopClass, new[] { ts }));
            }
            foreach (var sopClass in classes) Add(new DicomPresentationContext(sopClass, DicomUids.UncompressedLittleEndian));
            if (result.Count > DicomAssociation.MaxPresentationContexts)
                throw new ArgumentException("The files need " + result.Count + " presentation contexts (SOP class x transfer syntax), more than the " + DicomAssociation.MaxPresentationContexts + " one association can carry; send them in smaller groups.");
            return result;

            void Add(DicomPresentationContext c)
            {
                if (seen.Add(Key(c))) result.Add(c);
            }
        }

        private static string Key(DicomPresentationContext c) => c.AbstractSyntaxUid + "|" + string.Join("\\", c.TransferSyntaxUids);

        /// <summary>The SOP class and syntaxes, by name where known.</summary>
        public override string ToString() => DicomUidNames.Describe(AbstractSyntaxUid) + " in " + string.Join(", ", TransferSyntaxUids.Select(DicomUidNames.Describe));
    }

    /// <summary>The peer's answer to one proposed context.</summary>
    public sealed class DicomNegotiatedContext
    {
        /// <summary>A proposed context and the peer's answer to it.</summary>
        public DicomNegotiatedContext(byte id, DicomPresentationContext proposed, DicomPresentationContextResult result, string? acceptedTransferSyntaxUid)
        { Id = id; Proposed = proposed; Result = result; AcceptedTransferSyntaxUid = acceptedTransferSyntaxUid; }

        /// <summary>The odd presentation context id (1-255).</summary>
        public byte Id { get; }
        /// <summary>What we proposed.</summary>
        public DicomPresentationContext Proposed { get; }
        /// <summary>The SOP class UID.</summary>
        public string AbstractSyntaxUid => Proposed.AbstractSyntaxUid;
        /// <summary>The peer's answer.</summary>
        public DicomPresentationContextResult Result { get; }
        /// <summary>True when accepted with a transfer syntax.</summary>
        public bool IsAccepted => Result == DicomPresentationContextResult.Accepted && AcceptedTransferSyntaxUid != null;
        /// <summary>The transfer syntax the peer chose; null unless accepted.</summary>
        public string? AcceptedTransferSyntaxUid { get; }

        /// <summary>The SOP class and the answer, in words.</summary>
        public override string ToString() =>
            DicomUidNames.Describe(AbstractSyntaxUid) + ": " + (IsAccepted ? "accepted in " + DicomUidNames.Describe(AcceptedTransferSyntaxUid!) : DicomNetworkReasons.ContextResult(Result));
    }

    /// <summary>UIDs the network layer uses.</summary>
    public static class DicomUids
    {
        /// <summary>The DICOM application context name (PS3.7 A.2.1).</summary>
        public const string ApplicationContext = "1.2.840.10008.3.1.1.1";
        /// <summary>Verification SOP class (C-ECHO).</summary>
        public const string Verification = "1.2.840.10008.1.1";
        /// <summary>Implicit VR Little Endian, the default transfer syntax.</summary>
        public const string ImplicitVRLittleEndian = "1.2.840.10008.1.2";
        /// <summary>Explicit VR Little Endian.</summary>
        public const string ExplicitVRLittleEndian = "1.2.840.10008.1.2.1";
        /// <summary>Deflated Explicit VR Little Endian.</summary>
        public const string DeflatedExplicitVRLittleEndian = "1.2.840.10008.1.2.1.99";
        /// <summary>Explicit VR Big Endian (retired).</summary>
        public const string ExplicitVRBigEndian = "1.2.840.10008.1.2.2";
        /// <summary>Our implementation class UID (a UUID-derived 2.25 UID, stable across versions).</summary>
        public const string ImplementationClassUid = "2.25.273079584232771801078623356966167438611";
        /// <summary>Explicit first: it keeps VRs, so it is what we prefer the peer to pick.</summary>
        public static readonly IReadOnlyList<string> UncompressedLittleEndian = new[] { ExplicitVRLittleEndian, ImplicitVRLittleEndian };

        /// <summary>Syntaxes the transcoder can read and turn into either uncompressed little endian syntax.</summary>
        internal static bool IsTranscodable(string transferSyntaxUid) =>
            transferSyntaxUid == ImplicitVRLittleEndian || transferSyntaxUid == ExplicitVRLittleEndian || transferSyntaxUid == DeflatedExplicitVRLittleEndian
            || transferSyntaxUid == ExplicitVRBigEndian;
    }
}
