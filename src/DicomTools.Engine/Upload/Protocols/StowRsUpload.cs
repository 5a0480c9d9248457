using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace DicomTools.Engine.Upload.Protocols
{
    /// <summary>DICOMweb STOW-RS: multipart/related; type="application/dicom", -BatchSize files per request.</summary>
    internal sealed class StowRsUpload : IUploadProtocol
    {
        private readonly UploadOptions _options;
        private readonly IUploadSender _sender;

        public StowRsUpload(UploadOptions options, IUploadSender sender) { _options = options; _sender = sender; }

        public int? FilesPerRequest => _options.BatchSize;
        public bool CanSendAllInOneRequest => true;
        // PS3.18: a STOW-RS origin server stores what it can and lists the rest as failed.
        public bool AllOrNothingPossible => false;

        public async Task SendAsync(UploadBatch batch, CancellationToken cancellationToken)
        {
            var exchange = await _sender.SendAsync(
                Answers.Post(_options.Endpoint, "STOW-RS upload of " + batch.Describe(),
                    () => new StowRsContent(batch.Files, _options.ContentType, batch.StartAttempt(), cancellationToken),
                    "application/dicom+json", Answers.ListsPerFileResults),
                cancellationToken).ConfigureAwait(false);
            Answers.Record(batch.Results, exchange);
            Apply(batch.Results, exchange);
        }

        /// <summary>Per file from the Referenced / Failed SOP Sequences: 200 may store nothing, 400 may store some.</summary>
        private static void Apply(IReadOnlyList<UploadResult> results, UploadExchange exchange)
        {
            var answer = UploadAnswers.ParseStowRs(exchange.Body);
            if (!answer.IsJson)
            {
                Answers.FailAll(results, exchange, "The STOW-RS server");
                return;
            }
            var referenced = ByUid(answer.Referenced);
            var failed = ByUid(answer.Failed);
            foreach (var r in results)
            {
                var uid = r.File.SopInstanceUid;
                if (uid != null && referenced.TryGetValue(uid, out var stored))
                {
                    r.Status = UploadStatus.Stored;
                    r.Response = stored.Json;
                }
                else if (uid != null && failed.TryGetValue(uid, out var refused))
                {
                    r.Response = refused.Json;
                    r.NamedByServer = true;
                    r.Fail(UploadFailureReason.RejectedByServer, $"The STOW-RS answer (HTTP {exchange.StatusCode}) lists it as failed: {refused.Reason}.");
                }
                else
                {
                    r.Response = UploadText.Truncate(exchange.Body);
                    r.Fail(uid == null ? UploadFailureReason.FileUnreadable : UploadFailureReason.RejectedByServer, uid == null
                        ? "Its SOP Instance UID could not be read, so the STOW-RS answer cannot say whether it was stored."
                        : $"The STOW-RS answer (HTTP {exchange.StatusCode}) does not list it as stored ({answer.Referenced.Count} stored, {answer.Failed.Count} failed in this request).");
                }
            }
        }

        private static Dictionary<string, AnsweredInstance> ByUid(IEnumerable<AnsweredInstance> instances)
        {
            var map = new Dictionary<string, AnsweredInstance>(StringComparer.Ordinal);
            foreach (var i in instances) if (i.SopInstanceUid != null) map[i.SopInstanceUid] = i;
            return map;
        }
    }
}
