using System;
using System.Collections.Specialized;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Engine.Http;

namespace DicomTools.Engine.Analytics
{
    /// <summary>What the analytics API answered, with what it took.</summary>
    public sealed class AnalyticsAnswer
    {
        public AnalyticsAnswer(OrderedDictionary fields, int statusCode, int attempts, TimeSpan duration)
        {
            Fields = fields;
            StatusCode = statusCode;
            Attempts = attempts;
            Duration = duration;
        }

        /// <summary>The answer's JSON object as plain values (<see cref="JsonAnswers.ToPlain"/>), in the server's order.</summary>
        public OrderedDictionary Fields { get; }
        public int StatusCode { get; }
        public int Attempts { get; }
        public TimeSpan Duration { get; }
    }

    /// <summary>
    /// The analytics API (the original script's contract): GET the URL with the key in x-api-key, a JSON body
    /// {"sample_id", "request_type"} and the same in the query string.
    /// </summary>
    public sealed class AnalyticsClient
    {
        private readonly HttpExecutor _executor;
        private readonly EndpointSettings _endpoint;

        public AnalyticsClient(HttpExecutor executor, EndpointSettings endpoint)
        {
            _executor = executor ?? throw new ArgumentNullException(nameof(executor));
            _endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        }

        public HttpMethod Method { get; set; } = HttpMethod.Get;

        public bool CanSendBodyWithGet { get; set; } = HttpRuntime.CanSendBodyWithGet;

        public HttpRequestBuilder BuildRequest(string sampleId, string requestType)
        {
            if (string.IsNullOrWhiteSpace(sampleId)) throw new ArgumentException("The sample id is empty.", nameof(sampleId));
            if (string.IsNullOrWhiteSpace(requestType)) throw new ArgumentException("The request type is empty.", nameof(requestType));
            return new HttpRequestBuilder(Method, _endpoint.Uri) { CanSendBodyWithGet = CanSendBodyWithGet }
                .WithCredential(_endpoint.Credential)
                .WithQuery("sample_id", sampleId)
                .WithQuery("request_type", requestType)
                .WithJsonBody(JsonAnswers.Object(("sample_id", sampleId), ("request_type", requestType)));
        }

        /// <exception cref="DicomToolsHttpException">The call failed, or its answer is not a JSON object (InvalidResponse).</exception>
        public async Task<AnalyticsAnswer> StartAsync(string sampleId, string requestType, CancellationToken cancellationToken)
        {
            var operation = $"Analytics request '{requestType}' for sample '{sampleId}'";
            var answer = await _executor.SendAsync(BuildRequest(sampleId, requestType), operation, cancellationToken).ConfigureAwait(false);
            using var document = JsonAnswers.ParseObject(answer, operation);
            var fields = (OrderedDictionary)JsonAnswers.ToPlain(document.RootElement)!;
            return new AnalyticsAnswer(fields, answer.StatusCode, answer.Attempts, answer.Duration);
        }
    }
}
