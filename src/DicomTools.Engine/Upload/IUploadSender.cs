using System;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Engine.Http;

namespace DicomTools.Engine.Upload
{
    /// <summary>One logical request of an upload; <see cref="Content"/> is called once per attempt.</summary>
    public sealed class UploadRequest
    {
        public UploadRequest(HttpMethod method, Uri uri, string operation)
        {
            Method = method; Uri = uri; Operation = operation;
        }

        public HttpMethod Method { get; }
        public Uri Uri { get; }
        /// <summary>For messages: "Upload of 'x.dcm'".</summary>
        public string Operation { get; }
        /// <summary>A new body per attempt (it re-opens its files), or null.</summary>
        public Func<HttpContent>? Content { get; set; }
        public string? Accept { get; set; }
        /// <summary>Non-2xx statuses whose answer the engine reads itself (a STOW-RS 409 lists what failed); never retried.</summary>
        public Func<int, bool>? ReadsStatus { get; set; }
    }

    /// <summary>The final answer of a request, after the shared retry pipeline gave up or succeeded.</summary>
    public sealed class UploadExchange
    {
        public UploadExchange(int statusCode, string body, int attempts, DicomToolsHttpException? failure = null)
        {
            StatusCode = statusCode; Body = body; Attempts = attempts; Failure = failure;
        }

        public int StatusCode { get; }
        /// <summary>The answer's body as text (already redacted of the credential).</summary>
        public string Body { get; }
        public int Attempts { get; }
        /// <summary>A typed failure for a non-2xx answer the engine read itself (null for 2xx).</summary>
        public DicomToolsHttpException? Failure { get; }
        public bool IsSuccess => StatusCode >= 200 && StatusCode <= 299;
    }

    /// <summary>
    /// Sends one logical request through the shared HTTP core (credential, retries, per-attempt timeout).
    /// Returns the final answer for 2xx and for the statuses <see cref="UploadRequest.ReadsStatus"/> names;
    /// throws <see cref="DicomToolsHttpException"/> for any other failure (status, connection, timeout, cancel).
    /// </summary>
    public interface IUploadSender
    {
        Task<UploadExchange> SendAsync(UploadRequest request, CancellationToken cancellationToken);
    }

    /// <summary>The production sender: the module's <see cref="HttpExecutor"/> with the caller's credential.</summary>
    public sealed class HttpExecutorUploadSender : IUploadSender
    {
        private readonly HttpExecutor _executor;
        private readonly ApiCredential _credential;

        public HttpExecutorUploadSender(HttpExecutor executor, ApiCredential credential)
        {
            _executor = executor ?? throw new ArgumentNullException(nameof(executor));
            _credential = credential ?? throw new ArgumentNullException(nameof(credential));
        }

        public async Task<UploadExchange> SendAsync(UploadRequest request, CancellationToken cancellationToken)
        {
            var builder = new HttpRequestBuilder(request.Method, request.Uri).WithCredential(_credential);
            if (request.Content != null) builder.WithContent(request.Content);
            if (request.Accept != null) builder.WithHeader("Accept", request.Accept);
            var answer = await _executor.SendAsync(builder, request.Operation, cancellationToken, request.ReadsStatus).ConfigureAwait(false);
            var failure = HttpStatusPolicy.IsSuccess(answer.StatusCode)
                ? null
                : new DicomToolsHttpException(
                    $"{request.Operation} failed: {answer.Method} {answer.Uri} answered {answer.StatusCode}: {HttpStatusPolicy.Explain(answer.StatusCode)}.",
                    HttpStatusPolicy.KindOf(answer.StatusCode), answer.Method, answer.Uri, answer.StatusCode, answer.Attempts, answer.Duration,
                    DicomToolsHttpException.Excerpt(answer.Body));
            return new UploadExchange(answer.StatusCode, answer.Body, answer.Attempts, failure);
        }
    }
}
