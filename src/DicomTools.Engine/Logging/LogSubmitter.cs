using System;
using System.Globalization;
using System.IO;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Engine.Http;

namespace DicomTools.Engine.Logging
{
    /// <summary>
    /// Sends a run's log to the log API (LOG_URL): <c>POST</c>, the key in <c>x-api-key</c> (LOG_KEY), the log file
    /// as the body, the sample id and attempt number both in the query (<c>sample_id</c>, <c>attempt</c>) and in
    /// headers (<c>X-Sample-Id</c>, <c>X-Attempt-Number</c>), through the shared retry pipeline. The file is
    /// re-opened for every attempt and read with sharing, so a log still being written can be sent.
    /// </summary>
    public sealed class LogSubmitter
    {
        public const string SampleIdHeader = "X-Sample-Id";
        public const string AttemptHeader = "X-Attempt-Number";

        private readonly HttpExecutor _executor;
        private readonly EndpointSettings _endpoint;

        public LogSubmitter(HttpExecutor executor, EndpointSettings endpoint)
        {
            _executor = executor ?? throw new ArgumentNullException(nameof(executor));
            _endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        }

        public HttpRequestBuilder BuildRequest(string logPath, string? sampleId, int? attemptNumber)
        {
            var request = new HttpRequestBuilder(HttpMethod.Post, _endpoint.Uri).WithCredential(_endpoint.Credential);
            if (!string.IsNullOrEmpty(sampleId))
                request.WithQuery("sample_id", sampleId!).WithHeader(SampleIdHeader, sampleId!);
            if (attemptNumber.HasValue)
            {
                var attempt = attemptNumber.Value.ToString(CultureInfo.InvariantCulture);
                request.WithQuery("attempt", attempt).WithHeader(AttemptHeader, attempt);
            }
            return request.WithContent(() =>
            {
                var stream = new FileStream(logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                var content = new StreamContent(stream);
                content.Headers.ContentType = new MediaTypeHeaderValue("text/plain") { CharSet = "utf-8" };
                return content;
            });
        }

        /// <exception cref="FileNotFoundException">The log file does not exist.</exception>
        /// <exception cref="DicomToolsHttpException">The log API refused it or could not be reached (after retries).</exception>
        public Task<HttpAnswer> SendAsync(string logPath, string? sampleId, int? attemptNumber, CancellationToken cancellationToken)
        {
            if (!File.Exists(logPath)) throw new FileNotFoundException($"The log file '{logPath}' does not exist.", logPath);
            var label = string.IsNullOrEmpty(sampleId) ? "" : $" of sample '{sampleId}'" + (attemptNumber.HasValue ? $", attempt {attemptNumber}" : "");
            return _executor.SendAsync(BuildRequest(logPath, sampleId, attemptNumber), "Sending the log" + label, cancellationToken);
        }
    }
}
