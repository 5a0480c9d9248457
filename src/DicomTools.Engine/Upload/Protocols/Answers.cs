using System;
using System.Collections.Generic;
using System.Net.Http;

namespace DicomTools.Engine.Upload.Protocols
{
    /// <summary>What the HTTP protocols share: how a request is named, and how an answer is recorded and quoted.</summary>
    internal static class Answers
    {
        /// <summary>Answers that list per-file results even though the request as a whole failed.</summary>
        public static bool ListsPerFileResults(int status) => status == 400 || status == 409 || status == 422;

        public static UploadRequest Post(Uri endpoint, string operation, Func<HttpContent> content, string? accept = null, Func<int, bool>? readsStatus = null) =>
            new UploadRequest(HttpMethod.Post, endpoint, operation) { Content = content, Accept = accept, ReadsStatus = readsStatus };

        public static void Record(IEnumerable<UploadResult> results, UploadExchange exchange)
        {
            foreach (var r in results) { r.StatusCode = exchange.StatusCode; r.Attempts = exchange.Attempts; }
        }

        public static void FailAll(IEnumerable<UploadResult> results, UploadExchange exchange, string what)
        {
            foreach (var r in results)
            {
                r.Response = UploadText.Truncate(exchange.Body);
                r.Fail(UploadFailureReason.Transport, $"{what} answered HTTP {exchange.StatusCode}: {Describe(exchange)}", exchange.Failure);
            }
        }

        public static string Describe(UploadExchange exchange)
        {
            if (exchange.Failure != null) return exchange.Failure.Message;
            var body = (exchange.Body ?? string.Empty).Trim();
            return body.Length == 0 ? "(empty answer)" : UploadText.Truncate(body, 300)!;
        }
    }
}
