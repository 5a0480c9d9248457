using System;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Engine.Http;
using DicomTools.Engine.Upload.Protocols;
using Microsoft.Extensions.Logging;

namespace DicomTools.Engine.Upload.Atomic
{
    /// <summary>
    /// -Atomic: every file in one request of the chosen protocol, and either all stored or none. An all-or-nothing
    /// server keeps that promise itself; Orthanc does not, so <see cref="OrthancRollback"/> verifies and deletes.
    /// </summary>
    internal sealed class AtomicUpload : IUploadProtocol
    {
        private readonly IUploadProtocol _inner;
        private readonly UploadOptions _options;
        private readonly IUploadSender _sender;
        private readonly ILogger _log;

        public AtomicUpload(IUploadProtocol inner, UploadOptions options, IUploadSender sender, ILogger log)
        {
            _inner = inner; _options = options; _sender = sender; _log = log;
        }

        public int? FilesPerRequest => null;
        public bool CanSendAllInOneRequest => true;
        public bool AllOrNothingPossible => _inner.AllOrNothingPossible;

        public async Task SendAsync(UploadBatch batch, CancellationToken cancellationToken)
        {
            var results = batch.Results;
            var kind = await ServerKindAsync(cancellationToken).ConfigureAwait(false);
            if (kind != UploadServerKind.Orthanc && !_inner.AllOrNothingPossible)
            {
                var name = _options.Protocol == UploadProtocol.StowRs ? "STOW-RS" : _options.Protocol.ToString();
                foreach (var r in results)
                    r.Fail(UploadFailureReason.Unsupported,
                        $"Not sent: an atomic upload with {name} needs a server that can roll back (Orthanc); {name} itself stores what it can. Use the Archive protocol against an all-or-nothing archive endpoint, or declare the server kind Orthanc.");
                return;
            }

            var rollback = kind == UploadServerKind.Orthanc ? new OrthancRollback(_sender, _options.Endpoint) : null;
            if (rollback != null && !await rollback.PrepareAsync(results, cancellationToken).ConfigureAwait(false)) return;

            await _inner.SendAsync(batch, cancellationToken).ConfigureAwait(false);
            rollback?.NameStored(results);

            var statusCode = results.Select(r => r.StatusCode).FirstOrDefault(c => c != null);
            var allStored = statusCode >= 200 && statusCode <= 299 && results.All(r => r.Status == UploadStatus.Stored || r.Status == UploadStatus.AlreadyStored);
            if (allStored) return;

            // When the server named the culprits, the other unlisted files are innocent: they failed only with the set.
            var culpritsNamed = results.Any(r => r.NamedByServer);
            bool IsCulprit(UploadResult r) => r.Status == UploadStatus.Failed && (!culpritsNamed || r.NamedByServer);
            var bad = results.Where(IsCulprit).ToArray();
            var summary = bad.Length == 0
                ? $"the server answered HTTP {statusCode}"
                : $"{bad.Length} of {results.Count} file(s) were not stored (first: {bad[0].Name}: {bad[0].Message})";
            var claimedStored = results.Count(r => r.Status != UploadStatus.Failed);
            foreach (var r in results)
            {
                // Each file's message starts with its own problem when it has one, then the set's.
                var culprit = IsCulprit(r);
                var own = culprit ? r.Message + " " : string.Empty;
                var reason = culprit ? r.FailureReason : UploadFailureReason.AtomicSetFailed;
                if (!culprit) r.ClearException();
                r.Fail(reason, own, r.GetException());
            }

            if (rollback != null)
            {
                await rollback.RollBackAsync(results, summary).ConfigureAwait(false);
                return;
            }

            // An all-or-nothing server stored none of them: its answer stands.
            foreach (var r in results)
                r.Fail(r.FailureReason, r.Message + $"Atomic set failed: {summary}; the server promises to store all or none, so none is stored."
                    + (claimedStored > 0 ? $" (Its answer nevertheless listed {claimedStored} as stored: check the server.)" : string.Empty),
                    r.GetException());
        }

        private async Task<UploadServerKind> ServerKindAsync(CancellationToken cancellationToken)
        {
            if (_options.ServerKind != UploadServerKind.Auto) return _options.ServerKind;
            var root = OrthancIds.Root(_options.Endpoint);
            var probe = await _sender.SendAsync(new UploadRequest(HttpMethod.Get, new Uri(root, "system"), "Server check (is it Orthanc?)")
                { ReadsStatus = status => !HttpStatusPolicy.IsRetryable(status) }, cancellationToken).ConfigureAwait(false);
            var kind = probe.IsSuccess && UploadAnswers.IsOrthancSystemAnswer(probe.Body) ? UploadServerKind.Orthanc : UploadServerKind.AllOrNothing;
            _log.LogInformation("Atomic upload: the server at {Root} is {Kind}.", root, kind == UploadServerKind.Orthanc ? "Orthanc (verify and roll back)" : "not Orthanc (its all-or-nothing answer stands)");
            return kind;
        }
    }
}
