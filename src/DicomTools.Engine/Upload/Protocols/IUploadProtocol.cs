using System.Threading;
using System.Threading.Tasks;

namespace DicomTools.Engine.Upload.Protocols
{
    /// <summary>
    /// One way of carrying files to a server. The scheduler knows only this: how files are grouped into requests,
    /// and how one group is sent and its answer turned into per-file results. A new protocol is a class that
    /// implements it and one line in <see cref="UploadProtocols.Create"/>.
    /// </summary>
    internal interface IUploadProtocol
    {
        /// <summary>
        /// Files per request: 1 sends each file alone, as soon as it arrives; n sends full groups of n and the rest at
        /// the end; null sends every file in one request when the input ends (one worker is then enough).
        /// </summary>
        int? FilesPerRequest { get; }

        /// <summary>Whether one request can carry every file (what -Atomic needs).</summary>
        bool CanSendAllInOneRequest { get; }

        /// <summary>
        /// Whether a server that promises all-or-nothing can keep that promise for this protocol's request (an archive
        /// endpoint can; STOW-RS stores what it can by definition, so only a rollback makes it atomic).
        /// </summary>
        bool AllOrNothingPossible { get; }

        /// <summary>
        /// Sends one batch and sets every result's status from the answer (Stored, AlreadyStored, or Failed with a
        /// message). Throws the HTTP core's exception when the exchange failed as a whole; the scheduler then fails
        /// every file of the batch with it.
        /// </summary>
        Task SendAsync(UploadBatch batch, CancellationToken cancellationToken);
    }
}

namespace DicomTools.Engine.Upload.Protocols
{
    /// <summary>
    /// A protocol that keeps connections open across batches (DIMSE: one association per worker, not per file). The
    /// scheduler calls <see cref="CloseAsync"/> once, after every worker ended, so the connections end in order. HTTP
    /// protocols leave this to HttpClient's pool and do not implement it.
    /// </summary>
    internal interface IHoldsConnections
    {
        Task CloseAsync(CancellationToken cancellationToken);
    }
}
