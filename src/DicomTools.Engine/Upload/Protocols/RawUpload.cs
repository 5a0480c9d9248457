using System;
using System.Threading;
using System.Threading.Tasks;

namespace DicomTools.Engine.Upload.Protocols
{
    /// <summary>One POST per file, the file's bytes as the body (the original script's contract, Orthanc's /instances).</summary>
    internal sealed class RawUpload : IUploadProtocol
    {
        private readonly UploadOptions _options;
        private readonly IUploadSender _sender;

        public RawUpload(UploadOptions options, IUploadSender sender) { _options = options; _sender = sender; }

        public int? FilesPerRequest => 1;
        public bool CanSendAllInOneRequest => false;
        public bool AllOrNothingPossible => false;

        public async Task SendAsync(UploadBatch batch, CancellationToken cancellationToken)
        {
            foreach (var result in batch.Results) await SendOneAsync(result, batch, cancellationToken).ConfigureAwait(false);
        }

        private async Task SendOneAsync(UploadResult result, UploadBatch batch, CancellationToken cancellationToken)
        {
            var file = result.File;
            var exchange = await _sender.SendAsync(
                Answers.Post(_options.Endpoint, "Upload of '" + result.Name + "'",
                    () => new FileBodyContent(file, _options.ContentType, batch.StartAttempt(), cancellationToken)),
                cancellationToken).ConfigureAwait(false);
            Answers.Record(new[] { result }, exchange);
            result.Response = UploadText.Truncate(exchange.Body);
            if (!exchange.IsSuccess)
            {
                result.Fail(UploadFailureReason.Transport, $"The server answered HTTP {exchange.StatusCode}: {Answers.Describe(exchange)}", exchange.Failure);
                return;
            }
            var answer = UploadAnswers.ParseRaw(exchange.Body);
            if (!answer.IsJson && !string.IsNullOrWhiteSpace(exchange.Body))
            {
                // A proxy's or a login page answered 200: nothing says the file reached the store.
                result.Fail(UploadFailureReason.RejectedByServer,
                    $"The server answered HTTP {exchange.StatusCode} with a body that is not JSON ({Answers.Describe(exchange)}), so it did not confirm storing the file; check that the URL is the upload API.");
                return;
            }
            result.ServerId = answer.Id;
            result.Status = answer.AlreadyStored ? UploadStatus.AlreadyStored : UploadStatus.Stored;
            if (answer.IsJson && answer.Status != null && !answer.AlreadyStored
                && !string.Equals(answer.Status, "Success", StringComparison.OrdinalIgnoreCase))
                result.Fail(UploadFailureReason.RejectedByServer, $"The server answered HTTP {exchange.StatusCode} with Status '{answer.Status}'.");
        }
    }
}
