using System;
using System.Collections.Generic;
using System.Globalization;

namespace DicomTools.Dicom.Network
{
    /// <summary>What went wrong on a DICOM association, in terms a caller maps to error records and retry decisions.</summary>
    public enum DicomNetworkFailure
    {
        /// <summary>TCP connection refused, reset or unreachable.</summary>
        Connection,
        /// <summary>The peer did not answer (or accept our data) within the configured time.</summary>
        Timeout,
        /// <summary>The peer rejected the association (A-ASSOCIATE-RJ).</summary>
        Rejected,
        /// <summary>The association was aborted (A-ABORT from the peer, or by us after a protocol error).</summary>
        Aborted,
        /// <summary>The peer sent something that is not valid PS3.8/PS3.7.</summary>
        Protocol,
        /// <summary>No accepted presentation context can carry this file.</summary>
        NoAcceptedContext,
    }

    /// <summary>Base of every DICOM networking error; <see cref="IsTransient"/> tells a retry policy whether to try again.</summary>
    public class DicomNetworkException : Exception
    {
        /// <summary>A network failure of the given kind.</summary>
        public DicomNetworkException(DicomNetworkFailure failure, string message, bool isTransient, Exception? inner = null)
            : base(message, inner) { Failure = failure; IsTransient = isTransient; }
        /// <summary>The kind of failure.</summary>
        public DicomNetworkFailure Failure { get; }
        /// <summary>True when re-opening the association later may succeed (connection refused/reset, transient rejection, timeout).</summary>
        public bool IsTransient { get; }
        /// <summary>True when the failure happened before a TCP connection existed (the host or port could not be reached).</summary>
        public bool BeforeConnected { get; internal set; }
    }

    /// <summary>A-ASSOCIATE-RJ: result (1 permanent, 2 transient), source and reason, with the reason in words.</summary>
    public sealed class DicomAssociationRejectedException : DicomNetworkException
    {
        /// <summary>From the A-ASSOCIATE-RJ fields.</summary>
        public DicomAssociationRejectedException(byte result, byte source, byte reason)
            : base(DicomNetworkFailure.Rejected, "The association was rejected" + (result == 2 ? " (transient)" : " (permanent)") + ": " + DicomNetworkReasons.Rejection(source, reason) + ".", result == 2)
        { Result = result; ReasonSource = source; Reason = reason; }
        /// <summary>1 = rejected permanently, 2 = transiently.</summary>
        public byte Result { get; }
        /// <summary>1 = service user, 2 = ACSE provider, 3 = presentation provider.</summary>
        public byte ReasonSource { get; }
        /// <summary>The PS3.8 reason code (e.g. 7 = called AE title not recognized).</summary>
        public byte Reason { get; }
        /// <summary>The reason as a sentence fragment, e.g. "called AE title not recognized (PS3.8 reason 7)".</summary>
        public string ReasonText => DicomNetworkReasons.Rejection(ReasonSource, Reason);
    }

    /// <summary>The association ended by A-ABORT (from the peer, or sent by us after a protocol error).</summary>
    public sealed class DicomAssociationAbortedException : DicomNetworkException
    {
        /// <summary>From the A-ABORT fields, or our own abort with a detail.</summary>
        public DicomAssociationAbortedException(bool byPeer, byte source, byte reason, string? detail = null)
            : base(DicomNetworkFailure.Aborted, (byPeer ? "The peer aborted the association: " : "The association was aborted: ") + (detail ?? DicomNetworkReasons.Abort(source, reason)) + ".", true)
        { ByPeer = byPeer; ReasonSource = source; Reason = reason; }
        /// <summary>True when the peer sent the A-ABORT.</summary>
        public bool ByPeer { get; }
        /// <summary>0 = service user, 2 = service provider.</summary>
        public byte ReasonSource { get; }
        /// <summary>The PS3.8 abort reason (provider aborts only).</summary>
        public byte Reason { get; }
    }

    /// <summary>Nothing arrived (or could be sent) within the configured time; names what we were waiting for.</summary>
    public sealed class DicomNetworkTimeoutException : DicomNetworkException
    {
        /// <summary>What we were waiting for, and for how long.</summary>
        public DicomNetworkTimeoutException(string waitingFor, TimeSpan timeout)
            : base(DicomNetworkFailure.Timeout, "No answer from the peer within " + timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s while " + waitingFor + "; the association was aborted.", true)
        { WaitingFor = waitingFor; Timeout = timeout; }
        /// <summary>What we were waiting for, e.g. the answer to A-ASSOCIATE-RQ.</summary>
        public string WaitingFor { get; }
        /// <summary>The time limit that passed.</summary>
        public TimeSpan Timeout { get; }
    }

    /// <summary>The peer broke PS3.8/PS3.7 (malformed or unexpected PDU); we aborted the association.</summary>
    public sealed class DicomProtocolException : DicomNetworkException
    {
        /// <summary>A protocol violation, described.</summary>
        public DicomProtocolException(string message) : base(DicomNetworkFailure.Protocol, message, false) { }
    }

    /// <summary>No accepted presentation context carries this file's SOP class in its transfer syntax (nor one we can transcode to).</summary>
    public sealed class DicomNoAcceptedContextException : DicomNetworkException
    {
        /// <summary>The SOP class and the syntaxes that were possible for the file.</summary>
        public DicomNoAcceptedContextException(string sopClassUid, IReadOnlyList<string> transferSyntaxUids)
            : base(DicomNetworkFailure.NoAcceptedContext,
                "The archive accepts none of " + Describe(transferSyntaxUids) + " for " + DicomUidNames.Describe(sopClassUid) + "; the file was not sent (it is never re-encoded to a lossy or other compressed syntax).", false)
        { SopClassUid = sopClassUid; TransferSyntaxUids = transferSyntaxUids; }
        /// <summary>The file's SOP class.</summary>
        public string SopClassUid { get; }
        /// <summary>The syntaxes the file could have been sent in (its own, plus the uncompressed ones when it can be transcoded).</summary>
        public IReadOnlyList<string> TransferSyntaxUids { get; }

        private static string Describe(IReadOnlyList<string> uids)
        {
            var parts = new List<string>();
            foreach (var u in uids) parts.Add(DicomUidNames.Describe(u));
            return string.Join(", ", parts);
        }
    }
}
