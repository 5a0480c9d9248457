using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace DicomTools.Dicom.Network
{
    /// <summary>What one connection test found: how far it got, and why it stopped there.</summary>
    public sealed class DicomConnectionReport
    {
        /// <summary>A TCP connection was made.</summary>
        public bool Reachable { get; internal set; }
        /// <summary>The peer accepted the association (A-ASSOCIATE-AC).</summary>
        public bool AssociationAccepted { get; internal set; }
        /// <summary>C-ECHO answered with status 0000.</summary>
        public bool EchoSucceeded { get; internal set; }
        /// <summary>The C-ECHO-RSP status, when one came.</summary>
        public ushort? EchoStatus { get; internal set; }
        /// <summary>From C-ECHO-RQ to C-ECHO-RSP.</summary>
        public TimeSpan? EchoRoundTrip { get; internal set; }
        /// <summary>The peer's identity, once the association was accepted.</summary>
        public DicomPeerInfo? Peer { get; internal set; }
        /// <summary>Every proposed context with the peer's answer.</summary>
        public IReadOnlyList<DicomNegotiatedContext> PresentationContexts { get; internal set; } = Array.Empty<DicomNegotiatedContext>();
        /// <summary>The A-ASSOCIATE-RJ reason in words, when rejected.</summary>
        public string? RejectionReason { get; internal set; }
        /// <summary>Why the test failed; null when it succeeded.</summary>
        public Exception? Error { get; internal set; }
        /// <summary>True when the association was accepted and C-ECHO succeeded.</summary>
        public bool Succeeded => Error == null && EchoSucceeded;
    }

    /// <summary>Opens an association, sends C-ECHO, releases: what Test-DicomConnection reports, as plain logic.</summary>
    public static class DicomConnectionProbe
    {
        /// <summary>
        /// Never throws for network outcomes (they are in the report); only cancellation and bad arguments escape.
        /// <paramref name="extraContexts"/> are proposed beside Verification, so the report shows what the peer accepts.
        /// </summary>
        public static async Task<DicomConnectionReport> RunAsync(DicomAssociationOptions options, IReadOnlyList<DicomPresentationContext>? extraContexts, CancellationToken cancellationToken)
        {
            var report = new DicomConnectionReport();
            var contexts = new List<DicomPresentationContext> { DicomPresentationContext.Verification() };
            if (extraContexts != null) contexts.AddRange(extraContexts);
            DicomAssociation association;
            try
            {
                association = await DicomAssociation.OpenAsync(options, contexts, cancellationToken).ConfigureAwait(false);
            }
            catch (DicomNetworkException ex)
            {
                report.Reachable = !ex.BeforeConnected;
                if (ex is DicomAssociationRejectedException rejected) report.RejectionReason = rejected.ReasonText;
                report.Error = ex;
                return report;
            }
            using (association)
            {
                report.Reachable = true;
                report.AssociationAccepted = true;
                report.Peer = association.Peer;
                report.PresentationContexts = association.PresentationContexts;
                try
                {
                    var echo = await association.EchoAsync(cancellationToken).ConfigureAwait(false);
                    report.EchoStatus = echo.Status;
                    report.EchoRoundTrip = echo.RoundTrip;
                    report.EchoSucceeded = echo.IsSuccess;
                    if (!echo.IsSuccess)
                        report.Error = new DicomNetworkException(DicomNetworkFailure.Protocol, "The peer answered C-ECHO with " + DicomStatus.Describe(echo.Status) + ".", false);
                    await association.ReleaseAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (DicomNetworkException ex)
                {
                    report.Error ??= ex;
                }
            }
            return report;
        }
    }
}
