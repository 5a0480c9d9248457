using System.Collections.Generic;
using System.Linq;
using DicomTools.Dicom.Network;
using DicomTools.Engine.Output;

namespace DicomTools.Cmdlets
{
    /// <summary>One presentation context as the peer answered it.</summary>
    public sealed class DicomPresentationContextInfo
    {
        internal DicomPresentationContextInfo(DicomNegotiatedContext context)
        {
            Id = context.Id;
            SopClassUid = context.AbstractSyntaxUid;
            SopClassName = DicomUidNames.NameOf(context.AbstractSyntaxUid);
            Accepted = context.IsAccepted;
            Result = DicomNetworkReasons.ContextResult(context.Result);
            ProposedTransferSyntaxes = new JoinedList<string>(context.Proposed.TransferSyntaxUids, ", ");
            TransferSyntaxUid = context.AcceptedTransferSyntaxUid;
            TransferSyntaxName = context.AcceptedTransferSyntaxUid == null ? null : DicomUidNames.NameOf(context.AcceptedTransferSyntaxUid);
        }

        public int Id { get; }
        public string SopClassUid { get; }
        /// <summary>The SOP class's name when we know it (e.g. "CT Image Storage").</summary>
        public string? SopClassName { get; }
        public bool Accepted { get; }
        /// <summary>"accepted", "SOP class not supported", "none of the transfer syntaxes supported", ...</summary>
        public string Result { get; }
        public IReadOnlyList<string> ProposedTransferSyntaxes { get; }
        /// <summary>The transfer syntax the peer chose; null unless accepted.</summary>
        public string? TransferSyntaxUid { get; }
        public string? TransferSyntaxName { get; }

        public override string ToString() => (SopClassName ?? SopClassUid) + ": " + (Accepted ? (TransferSyntaxName ?? TransferSyntaxUid) : Result);
    }

    /// <summary>What Test-DicomConnection found: reachable, association accepted (or why not), C-ECHO and the peer's identity.</summary>
    public sealed class DicomConnectionResult
    {
        internal DicomConnectionResult(DicomAssociationOptions options, DicomConnectionReport report)
        {
            ComputerName = options.Host;
            Port = options.Port;
            CalledAETitle = options.CalledAETitle;
            CallingAETitle = options.CallingAETitle;
            Reachable = report.Reachable;
            AssociationAccepted = report.AssociationAccepted;
            RejectionReason = report.RejectionReason;
            EchoSucceeded = report.EchoSucceeded;
            EchoStatus = report.EchoStatus;
            RoundTripMs = report.EchoRoundTrip?.TotalMilliseconds;
            ImplementationClassUid = report.Peer?.ImplementationClassUid;
            ImplementationVersionName = report.Peer?.ImplementationVersionName;
            MaxPduLength = report.Peer?.MaxPduLength;
            PresentationContexts = new JoinedList<DicomPresentationContextInfo>(report.PresentationContexts
                .Where(c => c.AbstractSyntaxUid != DicomUids.Verification)
                .Select(c => new DicomPresentationContextInfo(c)));
            Success = report.Succeeded;
            Message = report.Error?.Message ?? "C-ECHO succeeded.";
        }

        public string ComputerName { get; }
        public int Port { get; }
        public string CalledAETitle { get; }
        public string CallingAETitle { get; }
        /// <summary>True when Reachable, AssociationAccepted and EchoSucceeded all are.</summary>
        public bool Success { get; }
        /// <summary>A TCP connection was made.</summary>
        public bool Reachable { get; }
        public bool AssociationAccepted { get; }
        /// <summary>Why the peer rejected the association, in words with the PS3.8 reason number; null when it did not.</summary>
        public string? RejectionReason { get; }
        public bool EchoSucceeded { get; }
        /// <summary>The C-ECHO response status (0 = success).</summary>
        public ushort? EchoStatus { get; }
        /// <summary>C-ECHO round trip in milliseconds.</summary>
        public double? RoundTripMs { get; }
        public string? ImplementationClassUid { get; }
        public string? ImplementationVersionName { get; }
        /// <summary>The largest PDU the peer accepts (0 = no limit).</summary>
        public uint? MaxPduLength { get; }
        /// <summary>The SOP classes asked for with -SopClass or found in the files, each with the peer's answer (Verification not listed).</summary>
        public IReadOnlyList<DicomPresentationContextInfo> PresentationContexts { get; }
        /// <summary>"C-ECHO succeeded." or what went wrong.</summary>
        public string Message { get; }

        public override string ToString() => CalledAETitle + "@" + ComputerName + ":" + Port + " " + (Success ? "OK" : Message);
    }
}
