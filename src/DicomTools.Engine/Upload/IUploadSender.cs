using System;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace DicomTools.Engine.Upload
{
    /// <summary>The final answer of a request, after the shared retry pipeline gave up or succeeded.</summary>
    public sealed class UploadExchange
    {
        public UploadExchange(int statusCode, string body, int attempts, Exception? failure = null)
        {
            StatusCode = statusCode; Body = body; Attempts = attempts; Failure = failure;
        }

        public int StatusCode { get; }
        /// <summary>The answer's body as text (already redacted of the credential).</summary>
        public string Body { get; }
        public int Attempts { get; }
        /// <summary>The HTTP core's typed failure when the status is not a success; null for 2xx.</summary>
        public Exception? Failure { get; }
        public bool IsSuccess => StatusCode >= 200 && StatusCode <= 299;
    }

    /// <summary>
    /// Sends one logical request through the shared HTTP core (credential, retries, per-attempt timeout).
    /// The factory is called once per attempt, so each attempt gets a new request and re-opens its files.
    /// Returns the final answer for any HTTP status (multi-file answers list per-file results even on 4xx);
    /// throws the core's typed failure when no answer came (connection, timeout) or the caller cancelled.
    /// </summary>
    public interface IUploadSender
    {
        Task<UploadExchange> SendAsync(Func<HttpRequestMessage> requestFactory, CancellationToken cancellationToken);
    }
}
