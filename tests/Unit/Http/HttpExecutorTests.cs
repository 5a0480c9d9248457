using System;
using System.Linq;
using System.Net.Http;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Engine.Http;
using DicomTools.Engine.Logging;
using DicomTools.Tests.Unit.Support;
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

        /// <summary>
        /// Retries with no backoff by default, so that no test waits on the wall clock between attempts; a test about
        /// the backoff gives <paramref name="intervalMs"/> and moves a <see cref="ManualClock"/> past it.
        /// </summary>
        internal static HttpRetryOptions FastRetries(int retries = 2, double timeoutSec = 5, double intervalMs = 0) => new HttpRetryOptions
        {
            MaximumRetryCount = retries,
            RetryInterval = TimeSpan.FromMilliseconds(intervalMs),
            AttemptTimeout = TimeSpan.FromSeconds(timeoutSec),
        };

        private static HttpRequestBuilder Get(Uri uri) =>
            new HttpRequestBuilder(HttpMethod.Get, new Uri(uri, "api/thing"))
                .WithCredential(ApiCredential.ApiKey(Secure(DistinctiveKey), "x-api-key"))
                .WithQuery("sample_id", "s1")
                .WithJsonBody("{\"sample_id\":\"s1\"}");

        /// <summary>An executor on <paramref name="clock"/>: its delays and timeouts pass only when the test moves the clock.</summary>
        internal static HttpExecutor OnClock(ManualClock clock, HttpRetryOptions options, QueueLoggerProvider? log = null) =>
            new HttpExecutor(HttpClientFactory.GetClient(HttpConnectionSettings.Default, out var owned), options,
                log?.CreateLogger(typeof(HttpExecutor).FullName!), owned, clock);

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

        [Theory]
        [InlineData(400, FailureKind.BadRequest)]
        [InlineData(401, FailureKind.Unauthorized)]
        [InlineData(403, FailureKind.Forbidden)]
        [InlineData(404, FailureKind.NotFound)]
        [InlineData(409, FailureKind.Conflict)]
        [InlineData(413, FailureKind.PayloadTooLarge)]
        [InlineData(415, FailureKind.UnsupportedMediaType)]
        public async Task PermanentStatusesFailAtOnceSayingWhy(int status, FailureKind kind)
        {
            await using var server = new ScriptedHttpServer { Fallback = Step.Status(status, "{\"error\":\"no\"}") };
            var log = new QueueLoggerProvider();
            using var executor = HttpExecutor.Create(HttpConnectionSettings.Default, FastRetries(), log);

            var ex = await Assert.ThrowsAsync<DicomToolsHttpException>(() => executor.SendAsync(Get(server.BaseAddress), "Test call", CancellationToken.None));

            Assert.Equal(kind, ex.Kind);
            Assert.Equal(status, ex.StatusCode);
            Assert.Equal(1, ex.Attempts);
            Assert.Single(server.Requests);
            Assert.True(ex.IsPermanent);
            Assert.Contains("not retried", ex.Message);
            Assert.Contains(status.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message);
            Assert.Contains("{\"error\":\"no\"}", ex.BodyExcerpt);
            Assert.DoesNotContain(Drain(log), l => l.StartsWith("Information", StringComparison.Ordinal));
        }

        [Fact]
        public async Task AlwaysFailingGivesUpAfterMaximumPlusOneAttempts()
        {
            await using var server = new ScriptedHttpServer { Fallback = Step.Status(503, "down") };
            using var executor = HttpExecutor.Create(HttpConnectionSettings.Default, FastRetries(retries: 3), null);

            var ex = await Assert.ThrowsAsync<DicomToolsHttpException>(() => executor.SendAsync(Get(server.BaseAddress), "Test call", CancellationToken.None));

            Assert.Equal(FailureKind.ServerError, ex.Kind);
            Assert.Equal(4, ex.Attempts);
            Assert.Equal(4, server.Requests.Count);
            Assert.Contains("4 attempts", ex.Message);
        }

        [Fact]
        public async Task ZeroRetriesMeansOneAttempt()
        {
            await using var server = new ScriptedHttpServer { Fallback = Step.Status(503) };
            using var executor = HttpExecutor.Create(HttpConnectionSettings.Default, FastRetries(retries: 0), null);
            var ex = await Assert.ThrowsAsync<DicomToolsHttpException>(() => executor.SendAsync(Get(server.BaseAddress), "Test call", CancellationToken.None));
            Assert.Equal(1, ex.Attempts);
            Assert.Single(server.Requests);
        }

        [Fact]
        public async Task HonoursRetryAfterAsAnHttpDate()
        {
            var clock = new ManualClock();
            var inTwoSeconds = clock.GetUtcNow().AddSeconds(2).ToString("r", System.Globalization.CultureInfo.InvariantCulture);
            await using var server = new ScriptedHttpServer(Step.Status(429, "slow down", retryAfter: inTwoSeconds));
            var log = new QueueLoggerProvider();
            using var executor = OnClock(clock, FastRetries(), log);

            var pending = executor.SendAsync(Get(server.BaseAddress), "Test call", CancellationToken.None);
            // The backoff alone would not wait at all; the date asks for 2 s, and nothing moves until the clock does.
            var waited = await clock.ElapseNextWaitAsync(d => d > TimeSpan.FromSeconds(1) && d < FastRetries().AttemptTimeout);
            var answer = await pending.Guarded();

            Assert.Equal(TimeSpan.FromSeconds(2), waited);
            Assert.Equal(2, answer.Attempts);
            Assert.Equal(TimeSpan.FromSeconds(2), answer.Duration);
            var line = Assert.Single(Drain(log), l => l.StartsWith("Information", StringComparison.Ordinal));
            Assert.Contains("429", line);
            Assert.Contains("Retry-After", line);
            Assert.Contains("retrying in 2.0 s", line);
        }

        [Fact]
        public async Task GarbageRetryAfterFallsBackToTheBackoff()
        {
            var clock = new ManualClock();
            await using var server = new ScriptedHttpServer(Step.Status(503, "", retryAfter: "whenever"));
            using var executor = OnClock(clock, FastRetries(intervalMs: 20));

            var pending = executor.SendAsync(Get(server.BaseAddress), "Test call", CancellationToken.None);
            var waited = await clock.ElapseNextWaitAsync(d => d < TimeSpan.FromSeconds(1));
            var answer = await pending.Guarded();

            // 20 ms ± 20 % jitter.
            Assert.InRange(waited, TimeSpan.FromMilliseconds(16), TimeSpan.FromMilliseconds(24));
            Assert.Equal(2, answer.Attempts);
            Assert.Equal(waited, answer.Duration);
        }

        [Fact]
        public async Task RetryAfterIsCapped()
        {
            var clock = new ManualClock();
            await using var server = new ScriptedHttpServer(Step.Status(503, "", retryAfter: "3600"));
            var options = FastRetries();
            options.RetryAfterCap = TimeSpan.FromMilliseconds(200);
            using var executor = OnClock(clock, options);

            var pending = executor.SendAsync(Get(server.BaseAddress), "Test call", CancellationToken.None);
            var waited = await clock.ElapseNextWaitAsync(d => d < options.AttemptTimeout);
            var answer = await pending.Guarded();

            Assert.Equal(TimeSpan.FromMilliseconds(200), waited);
            Assert.Equal(2, answer.Attempts);
            Assert.Equal(TimeSpan.FromMilliseconds(200), answer.Duration);
        }

        [Fact]
        public async Task AConnectionResetBeforeAnyAnswerIsRetriedWithAFreshRequestAndBody()
        {
            await using var server = new ScriptedHttpServer(Step.ResetConnection());
            var log = new QueueLoggerProvider();
            using var executor = HttpExecutor.Create(HttpConnectionSettings.Default, FastRetries(), log);
            var opened = 0;
            var request = new HttpRequestBuilder(HttpMethod.Post, new Uri(server.BaseAddress, "upload"))
                .WithContent(() => { Interlocked.Increment(ref opened); return new StringContent("payload-bytes"); });

            var answer = await executor.SendAsync(request, "Upload", CancellationToken.None);

            Assert.Equal(200, answer.StatusCode);
            Assert.Equal(2, answer.Attempts);
            Assert.Equal(2, opened);
            Assert.All(server.Requests, r => Assert.Equal("payload-bytes", r.Body));
            Assert.Contains(Drain(log), l => l.StartsWith("Information", StringComparison.Ordinal) && l.Contains("HttpRequestException"));
        }

        [Fact]
        public async Task ASlowAttemptTimesOutAndIsRetried()
        {
            var clock = new ManualClock();
            await using var server = new ScriptedHttpServer(Step.NoAnswer());
            var log = new QueueLoggerProvider();
            var options = FastRetries(timeoutSec: 0.3);
            using var executor = OnClock(clock, options, log);

            var pending = executor.SendAsync(Get(server.BaseAddress), "Test call", CancellationToken.None);
            await server.WaitForRequestsAsync(1);
            await clock.ElapseNextWaitAsync(d => d == options.AttemptTimeout);       // the first attempt's 0.3 s run out
            var answer = await pending.Guarded();

            Assert.Equal(2, answer.Attempts);
            Assert.Equal(2, server.Requests.Count);
            var line = Assert.Single(Drain(log), l => l.StartsWith("Information", StringComparison.Ordinal));
            Assert.Contains("no complete answer within 0.3 s", line);
        }

        [Fact]
        public async Task AlwaysSlowEndsAsATimeout()
        {
            var clock = new ManualClock();
            await using var server = new ScriptedHttpServer { Fallback = Step.NoAnswer() };
            var options = FastRetries(retries: 1, timeoutSec: 0.2);
            using var executor = OnClock(clock, options);

            var pending = executor.SendAsync(Get(server.BaseAddress), "Test call", CancellationToken.None);
            await server.WaitForRequestsAsync(1);
            await clock.ElapseNextWaitAsync(d => d == options.AttemptTimeout);
            await server.WaitForRequestsAsync(2);
            await clock.ElapseNextWaitAsync(d => d == options.AttemptTimeout);
            var ex = await Assert.ThrowsAsync<DicomToolsHttpException>(() => pending.Guarded());

            Assert.Equal(FailureKind.Timeout, ex.Kind);
            Assert.Equal(2, ex.Attempts);
            Assert.Null(ex.StatusCode);
            // The remedy is the cmdlets' to phrase (-TimeoutSec); the Engine names it, never a parameter.
            Assert.Equal(FailureRemedy.LongerAttemptTimeout, ex.Remedy);
            Assert.DoesNotContain("-TimeoutSec", ex.Message);
            Assert.Contains("0.2 s", ex.Message);
        }

        // The first attempt runs outside the Polly pipeline (issue 12: start-up) under a timeout of its own: without
        // retries it never enters the pipeline, so these two pin that timeout's two endings.
        [Fact]
        public async Task WithoutRetriesASlowFirstAttemptEndsAsATimeoutAfterOneAttempt()
        {
            var clock = new ManualClock();
            await using var server = new ScriptedHttpServer { Fallback = Step.NoAnswer() };
            var log = new QueueLoggerProvider();
            var options = FastRetries(retries: 0, timeoutSec: 0.25);
            using var executor = OnClock(clock, options, log);

            var pending = executor.SendAsync(Get(server.BaseAddress), "Test call", CancellationToken.None);
            await server.WaitForRequestsAsync(1);
            await clock.ElapseNextWaitAsync(d => d == options.AttemptTimeout);
            var ex = await Assert.ThrowsAsync<DicomToolsHttpException>(() => pending.Guarded());

            Assert.Equal(FailureKind.Timeout, ex.Kind);
            Assert.Equal(1, ex.Attempts);
            Assert.Single(server.Requests);
            Assert.Equal(FailureRemedy.LongerAttemptTimeout, ex.Remedy);
            Assert.Contains("0.25 s", ex.Message);
            Assert.Contains("1 attempt", ex.Message);
            Assert.DoesNotContain(Drain(log), l => l.StartsWith("Information", StringComparison.Ordinal));
        }

        [Fact]
        public async Task CancellingDuringTheFirstAttemptIsACancellationNotATimeoutNorARetry()
        {
            var clock = new ManualClock();
            await using var server = new ScriptedHttpServer { Fallback = Step.NoAnswer() };
            var log = new QueueLoggerProvider();
            using var executor = OnClock(clock, FastRetries(timeoutSec: 5), log);
            using var cancel = new CancellationTokenSource();

            var pending = executor.SendAsync(Get(server.BaseAddress), "Test call", cancel.Token);
            await server.WaitForRequestsAsync(1);
            cancel.Cancel();
            // The clock never moves: the attempt can only end because it honoured the caller's token.
            var ex = await Assert.ThrowsAsync<DicomToolsHttpException>(() => pending.Guarded());

            Assert.Equal(FailureKind.Cancelled, ex.Kind);
            Assert.Equal(1, ex.Attempts);
            Assert.Single(server.Requests);
            Assert.DoesNotContain(Drain(log), l => l.StartsWith("Information", StringComparison.Ordinal));
        }

        [Fact]
        public async Task ARefusedConnectionIsAConnectionFailureAfterRetries()
        {
            // A socket bound and kept, but not listening: connections to its port are refused, and no other
            // process can take the port while the test runs.
            using var bound = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork,
                System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            bound.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
            var port = ((System.Net.IPEndPoint)bound.LocalEndPoint!).Port;
            var clock = new ManualClock();
            using var executor = OnClock(clock, FastRetries(retries: 1, intervalMs: 20));

            var pending = executor.SendAsync(Get(new Uri($"http://127.0.0.1:{port}/")), "Test call", CancellationToken.None);
            await clock.ElapseNextWaitAsync(d => d < TimeSpan.FromMilliseconds(100));   // the backoff between the two refusals
            var ex = await Assert.ThrowsAsync<DicomToolsHttpException>(() => pending.Guarded());

            Assert.Equal(FailureKind.ConnectionFailed, ex.Kind);
            Assert.Equal(2, ex.Attempts);
        }

        [Fact]
        public async Task CancellationStopsAWaitBetweenAttemptsPromptly()
        {
            var clock = new ManualClock();
            await using var server = new ScriptedHttpServer { Fallback = Step.Status(503, "", retryAfter: "30") };
            using var executor = OnClock(clock, FastRetries());
            using var cancel = new CancellationTokenSource();

            var pending = executor.SendAsync(Get(server.BaseAddress), "Test call", cancel.Token);
            Assert.Equal(TimeSpan.FromSeconds(30), await clock.NextWaitAsync(d => d == TimeSpan.FromSeconds(30)));
            cancel.Cancel();
            // The clock never moves: the call can only end because the wait honoured the token.
            var ex = await Assert.ThrowsAsync<DicomToolsHttpException>(() => pending.Guarded());

            Assert.Equal(FailureKind.Cancelled, ex.Kind);
            Assert.Single(server.Requests);
            Assert.Equal(TimeSpan.Zero, ex.Duration);
        }

        [Fact]
        public async Task StatusesTheCallerReadsAreAnswersNotFailures()
        {
            await using var server = new ScriptedHttpServer { Fallback = Step.Status(409, "{\"failed\":[1]}") };
            using var executor = HttpExecutor.Create(HttpConnectionSettings.Default, FastRetries(), null);
            var answer = await executor.SendAsync(Get(server.BaseAddress), "Test call", CancellationToken.None, status => status == 409);
            Assert.Equal(409, answer.StatusCode);
            Assert.Equal("{\"failed\":[1]}", answer.Body);
            Assert.Equal("application/json", answer.ContentType);
            Assert.Equal(1, answer.Attempts);
        }

        [Fact]
        public async Task OnTheWire_NoExpectHeader_KeyInItsHeader_BodyAndQuery()
        {
            await using var server = new ScriptedHttpServer();
            using var executor = HttpExecutor.Create(HttpConnectionSettings.Default, FastRetries(), null);
            var large = new string('x', 200_000);
            var request = new HttpRequestBuilder(HttpMethod.Post, new Uri(server.BaseAddress, "upload"))
                .WithCredential(ApiCredential.ApiKey(Secure("raw-key-123"), "Authorization"))
                .WithContent(() => new StringContent(large));
            await executor.SendAsync(request, "Upload", CancellationToken.None);
            var get = Get(server.BaseAddress);
            get.CanSendBodyWithGet = true;
            await executor.SendAsync(get, "Test call", CancellationToken.None);

            var seen = server.Requests.ToArray();
            Assert.False(seen[0].Headers.ContainsKey("Expect"));
            Assert.Equal("raw-key-123", seen[0].Headers["Authorization"]);
            Assert.Equal(large.Length, seen[0].Body.Length);
            Assert.Equal("GET", seen[1].Method);
            Assert.Equal("/api/thing?sample_id=s1", seen[1].Target);
            Assert.Equal("{\"sample_id\":\"s1\"}", seen[1].Body);
            Assert.Equal(DistinctiveKey, seen[1].Headers["x-api-key"]);
        }

        [Fact]
        public async Task AKeyTheServerEchoesIsRedactedFromMessagesAndLogs()
        {
            await using var server = new ScriptedHttpServer(Step.Status(503, $"overloaded, key {DistinctiveKey} queued"))
            {
                Fallback = Step.Status(403, $"{{\"error\":\"key '{DistinctiveKey}' is not valid\"}}"),
            };
            var log = new QueueLoggerProvider();
            using var executor = HttpExecutor.Create(HttpConnectionSettings.Default, FastRetries(), log);

            var ex = await Assert.ThrowsAsync<DicomToolsHttpException>(() => executor.SendAsync(Get(server.BaseAddress), "Test call", CancellationToken.None));

            Assert.Equal(FailureKind.Forbidden, ex.Kind);
            Assert.Equal(2, ex.Attempts);
            var texts = Drain(log).Concat(new[] { ex.Message, ex.ToString(), ex.BodyExcerpt ?? "", ex.Uri }).ToArray();
            Assert.Contains(texts, t => t.Contains("***"));
            Assert.All(texts, t => Assert.DoesNotContain(DistinctiveKey, t));
        }
    }
}
