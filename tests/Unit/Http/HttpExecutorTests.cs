using System;
using System.Linq;
using System.Net.Http;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Engine.Http;
using DicomTools.Engine.Logging;
using Xunit;
using Step = DicomTools.Tests.Unit.Http.ScriptedHttpServer.Step;

namespace DicomTools.Tests.Unit.Http
{
    public class HttpExecutorTests
    {
        internal const string DistinctiveKey = "Zq9-SECRET-KEY-7731-do-not-leak";

        internal static SecureString Secure(string text)
        {
            var s = new SecureString();
            foreach (var c in text) s.AppendChar(c);
            return s;
        }

        internal static HttpRetryOptions FastRetries(int retries = 2, double timeoutSec = 5) => new HttpRetryOptions
        {
            MaximumRetryCount = retries,
            RetryInterval = TimeSpan.FromMilliseconds(20),
            AttemptTimeout = TimeSpan.FromSeconds(timeoutSec),
        };

        private static HttpRequestBuilder Get(Uri uri) =>
            new HttpRequestBuilder(HttpMethod.Get, new Uri(uri, "api/thing"))
                .WithCredential(ApiCredential.ApiKey(Secure(DistinctiveKey), "x-api-key"))
                .WithQuery("sample_id", "s1")
                .WithJsonBody("{\"sample_id\":\"s1\"}");

        private static string[] Drain(QueueLoggerProvider log)
        {
            var lines = new System.Collections.Generic.List<string>();
            while (log.TryDequeue(out var entry)) lines.Add(entry.Severity + " " + entry.Message);
            return lines.ToArray();
        }

        [Fact]
        public async Task RetriesTransientStatusesThenSucceeds_OneInformationLinePerRetry()
        {
            await using var server = new ScriptedHttpServer(Step.Status(503, "busy"), Step.Status(502, "gateway"));
            var log = new QueueLoggerProvider();
            using var executor = HttpExecutor.Create(HttpConnectionSettings.Default, FastRetries(), log);

            var answer = await executor.SendAsync(Get(server.BaseAddress), "Test call", CancellationToken.None);

            Assert.Equal(200, answer.StatusCode);
            Assert.Equal(3, answer.Attempts);
            Assert.Equal(3, server.Requests.Count);
            var retryLines = Drain(log).Where(l => l.StartsWith("Information", StringComparison.Ordinal)).ToArray();
            Assert.Equal(2, retryLines.Length);
            Assert.Contains("attempt 1/3", retryLines[0]);
            Assert.Contains("503", retryLines[0]);
            Assert.Contains("attempt 2/3", retryLines[1]);
            Assert.Contains("502", retryLines[1]);
            Assert.All(retryLines, l => Assert.Contains("retrying in", l));
        }
    }
}
