using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace DicomTools.Engine.Upload.Protocols
{
    /// <summary>Every file in one ZIP, streamed, one request (the lab server's archive endpoint, Orthanc's /instances).</summary>
    internal sealed class ArchiveUpload : IUploadProtocol
    {
        private readonly UploadOptions _options;
        private readonly IUploadSender _sender;

        public ArchiveUpload(UploadOptions options, IUploadSender sender) { _options = options; _sender = sender; }

        public int? FilesPerRequest => null;
        public bool CanSendAllInOneRequest => true;
        public bool AllOrNothingPossible => true;

        public async Task SendAsync(UploadBatch batch, CancellationToken cancellationToken)
        {
            var entries = ZipStreamContent.NameEntries(batch.Files);
            var exchange = await _sender.SendAsync(
                Answers.Post(_options.Endpoint, "Archive upload of " + batch.Describe(),
                    () => new ZipStreamContent(entries, batch.StartAttempt(), cancellationToken),
                    "application/json", Answers.ListsPerFileResults),
                cancellationToken).ConfigureAwait(false);
            Answers.Record(batch.Results, exchange);
            Apply(batch.Results, entries, exchange, UploadAnswers.ParseArchive(exchange.Body));
        }

        /// <summary>The lab server names entries; Orthanc lists the IDs it stored, which we derive from each file's identifiers.</summary>
        private static void Apply(IReadOnlyList<UploadResult> results, IReadOnlyList<ZipEntrySource> entries, UploadExchange exchange, ArchiveAnswer answer)
        {
            if (!answer.IsJson)
            {
                Answers.FailAll(results, exchange, "The archive endpoint");
                return;
            }
            var storedByName = answer.Stored.Where(i => i.Name != null).GroupBy(i => i.Name!).ToDictionary(g => g.Key, g => g.First());
            var failedByName = answer.Failed.Where(i => i.Name != null).GroupBy(i => i.Name!).ToDictionary(g => g.Key, g => g.First());
            var storedById = answer.Stored.Where(i => i.Id != null).GroupBy(i => i.Id!).ToDictionary(g => g.Key, g => g.First());
            for (var i = 0; i < results.Count; i++)
            {
                var r = results[i];
                var name = entries[i].Name;
                AnsweredInstance? stored = null;
                if (answer.IsOrthancShaped)
                {
                    var id = OrthancIds.InstanceId(r.File);
                    if (id != null) storedById.TryGetValue(id, out stored);
                }
                else storedByName.TryGetValue(name, out stored);

                if (stored != null)
                {
                    r.ServerId = stored.Id;
                    r.Response = stored.Json;
                    r.Status = stored.AlreadyStored ? UploadStatus.AlreadyStored : UploadStatus.Stored;
                }
                else if (failedByName.TryGetValue(name, out var refused))
                {
                    r.Response = refused.Json;
                    r.NamedByServer = true;
                    r.Fail(UploadFailureReason.RejectedByServer, $"The server refused archive entry '{name}' (HTTP {exchange.StatusCode}): {refused.Reason ?? refused.Status}.");
                }
                else if (!exchange.IsSuccess)
                {
                    r.Response = UploadText.Truncate(exchange.Body);
                    r.Fail(UploadFailureReason.RejectedByServer, $"The archive endpoint answered HTTP {exchange.StatusCode} and does not list entry '{name}' as stored: {Answers.Describe(exchange)}", exchange.Failure);
                }
                else
                {
                    r.Response = UploadText.Truncate(exchange.Body);
                    r.Fail(UploadFailureReason.RejectedByServer, answer.IsOrthancShaped && OrthancIds.InstanceId(r.File) == null
                        ? $"Its DICOM identifiers could not be read, so the server's list of stored instances cannot be matched to entry '{name}'."
                        : $"The server's answer (HTTP {exchange.StatusCode}) does not list entry '{name}' as stored.");
                }
            }
        }
    }
}
