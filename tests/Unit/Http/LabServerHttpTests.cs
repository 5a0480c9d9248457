using System;
using System.Linq;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Engine.Analytics;
using DicomTools.Engine.Http;
using DicomTools.Engine.Logging;
using DicomTools.Engine.Metadata;
using DicomTools.LabServer;
using DicomTools.Tests.Unit.Support;
using Xunit;
using static DicomTools.Tests.Unit.Http.HttpExecutorTests;

namespace DicomTools.Tests.Unit.Http
{
    /// <summary>The HTTP core and the two clients against the reference lab server, in process, with its faults.</summary>
    public sealed class LabServerHttpTests : IAsyncLifetime
    {
        private LabServerHost _server = null!;
        private readonly QueueLoggerProvider _log = new QueueLoggerProvider();

        public async Task InitializeAsync() =>
            _server = await LabServerHost.StartAsync(new LabServerOptions { Keys = new LabServerKeys { MdKey = DistinctiveKey } });

        public async Task DisposeAsync() => await _server.DisposeAsync();

        private Uri MetadataUri => new Uri(_server.BaseAddress, "api/metadata");

        private MetadataClient Metadata(string? key = null, HttpRetryOptions? options = null, bool canSendBodyWithGet = true, ManualClock? clock = null) =>
            new MetadataClient(
                clock == null
                    ? HttpExecutor.Create(HttpConnectionSettings.Default, options ?? FastRetries(), _log)
                    : OnClock(clock, options ?? FastRetries(), _log),
                EndpointSettings.Resolve(ApiEndpoint.Metadata, MetadataUri, ApiCredential.ApiKey(Secure(key ?? DistinctiveKey), "x-api-key"), null, new FakeEnvironment()))
            { CanSendBodyWithGet = canSendBodyWithGet };

        private string[] LogLines()
        {
            var lines = new System.Collections.Generic.List<string>();
            while (_log.TryDequeue(out var entry)) lines.Add(entry.Severity + " " + entry.Message);
            return lines.ToArray();
        }

        [Fact]
        public async Task ReadsASampleWithNonAsciiTextAndKeepsExtraFields()
        {
            var metadata = await Metadata().GetAsync("ref0000022tes-cbc", CancellationToken.None);
            Assert.Equal("ref0000022tes-cbc", metadata.SampleId);
            Assert.Equal("Rex^Bobby", metadata.PatientName);
            Assert.Equal("Canine", metadata.Species);
            Assert.Equal("CBC", metadata.TestType);
            Assert.Equal("Clínica Veterinária São João", metadata.ClinicName);
            Assert.Equal("Ana Souza", metadata.AdditionalFields["owner"]);
            Assert.Equal("2", metadata.AdditionalFields["priority"]);
            Assert.False(metadata.AdditionalFields.ContainsKey("patient-name"));

            var seen = Assert.Single(_server.Journal.For(LabEndpoints.Metadata));
            Assert.Equal("GET", seen.Method);
            Assert.Contains("sample_id=ref0000022tes-cbc", seen.Query);
            Assert.Equal("ref0000022tes-cbc", seen.BodyJson!.Value.GetProperty("sample_id").GetString());
            Assert.Equal(2, seen.BodyJson!.Value.GetProperty("priority").GetInt32());
            Assert.DoesNotContain(seen.Headers, h => h.Equals("Expect", StringComparison.OrdinalIgnoreCase));
        }

        [Fact]
        public async Task WhereGetCannotCarryABody_TheQueryAloneIsEnough()
        {
            var metadata = await Metadata(canSendBodyWithGet: false).GetAsync("ascii0001-chem", CancellationToken.None);
            Assert.Equal("Tom^Cat", metadata.PatientName);
            var seen = Assert.Single(_server.Journal.For(LabEndpoints.Metadata));
            Assert.Equal(0, seen.BodyBytes);
            Assert.Contains("priority=2", seen.Query);
        }

        [Fact]
        public async Task PostSendsTheBody()
        {
            var client = Metadata(canSendBodyWithGet: false);
            client.Method = HttpMethod.Post;
            Assert.Equal("Feline", (await client.GetAsync("ascii0001-chem", CancellationToken.None)).Species);
            var seen = Assert.Single(_server.Journal.For(LabEndpoints.Metadata));
            Assert.Equal("POST", seen.Method);
            Assert.True(seen.BodyBytes > 0);
        }

        [Fact]
        public async Task AnUnknownSampleIsNotFoundNamingIt_AfterOneAttempt()
        {
            var ex = await Assert.ThrowsAsync<DicomToolsHttpException>(() => Metadata().GetAsync("no-such-sample", CancellationToken.None));
            Assert.Equal(FailureKind.NotFound, ex.Kind);
            Assert.Contains("'no-such-sample'", ex.Message);
            Assert.Equal(1, ex.Attempts);
            Assert.Single(_server.Journal.For(LabEndpoints.Metadata));
        }

        [Fact]
        public async Task AWrongKeyIsForbidden_OnceAndWithoutTheKeyAnywhere()
        {
            const string wrongKey = "WRONG-Zq9-distinct-key-4471";
            var ex = await Assert.ThrowsAsync<DicomToolsHttpException>(() => Metadata(key: wrongKey).GetAsync("ref0000022tes-cbc", CancellationToken.None));
            Assert.Equal(FailureKind.Forbidden, ex.Kind);
            Assert.Equal(403, ex.StatusCode);
            Assert.Equal(1, ex.Attempts);
            foreach (var text in LogLines().Concat(new[] { ex.Message, ex.ToString(), ex.BodyExcerpt ?? "" }))
            {
                Assert.DoesNotContain(wrongKey, text);
                Assert.DoesNotContain(DistinctiveKey, text);
            }
        }

        [Fact]
        public async Task NoKeyIsUnauthorized()
        {
            var client = new MetadataClient(
                HttpExecutor.Create(HttpConnectionSettings.Default, FastRetries(), _log),
                EndpointSettings.Resolve(ApiEndpoint.Metadata, MetadataUri, ApiCredential.None, null, new FakeEnvironment()));
            var ex = await Assert.ThrowsAsync<DicomToolsHttpException>(() => client.GetAsync("ref0000022tes-cbc", CancellationToken.None));
            Assert.Equal(FailureKind.Unauthorized, ex.Kind);
            Assert.Equal(1, ex.Attempts);
        }

        [Fact]
        public async Task TwoTransient503sWithRetryAfter_SucceedOnTheThirdAttempt()
        {
            _server.Faults.Add(new FaultRule(LabEndpoints.Metadata, FaultMode.Status) { StatusCode = 503, Count = 2, RetryAfterSec = 1 });
            var clock = new ManualClock();
            var pending = Metadata(clock: clock).GetAsync("ref0000022tes-cbc", CancellationToken.None);
            Assert.Equal(TimeSpan.FromSeconds(1), await clock.ElapseNextWaitAsync(d => d == TimeSpan.FromSeconds(1)));
            Assert.Equal(TimeSpan.FromSeconds(1), await clock.ElapseNextWaitAsync(d => d == TimeSpan.FromSeconds(1)));
            var metadata = await pending.Guarded();

            Assert.Equal("Rex^Bobby", metadata.PatientName);
            Assert.Equal(new[] { 503, 503, 200 }, _server.Journal.For(LabEndpoints.Metadata).Select(e => e.StatusCode));
            var retries = LogLines().Where(l => l.StartsWith("Information", StringComparison.Ordinal)).ToArray();
            Assert.Equal(2, retries.Length);
            Assert.Contains("attempt 1/3", retries[0]);
            Assert.Contains("attempt 2/3", retries[1]);
            // Retry-After: 1 wins over the (zero) backoff.
            Assert.All(retries, l => Assert.Contains("retrying in 1.0 s", l));
        }

        [Fact]
        public async Task AResetConnectionIsRetried()
        {
            _server.Faults.Add(new FaultRule(LabEndpoints.Metadata, FaultMode.Reset) { Count = 1 });
            var metadata = await Metadata().GetAsync("ascii0001-chem", CancellationToken.None);
            Assert.Equal("CHEM", metadata.TestType);
            Assert.Equal(2, _server.Journal.For(LabEndpoints.Metadata).Count);
        }

        [Fact]
        public async Task ASlowAnswerBeyondTheTimeoutIsRetried()
        {
            _server.Faults.Add(new FaultRule(LabEndpoints.Metadata, FaultMode.Slow) { Count = 1, DelayMs = 5000 });
            var clock = new ManualClock();
            var options = FastRetries(timeoutSec: 0.5);
            var pending = Metadata(options: options, clock: clock).GetAsync("ascii0001-chem", CancellationToken.None);
            // The server holds the first request; the attempt's 0.5 s pass on the test's clock, not the wall's.
            await Conditions.UntilAsync(() => _server.Journal.For(LabEndpoints.Metadata).Count == 1, "the first request to reach the server");
            await clock.ElapseNextWaitAsync(d => d == options.AttemptTimeout);
            var metadata = await pending.Guarded();
            Assert.Equal("CHEM", metadata.TestType);
            Assert.Contains(LogLines(), l => l.Contains("no complete answer within 0.5 s"));
        }

        [Fact]
        public async Task Always503FailsAfterMaximumPlusOneAttempts()
        {
            _server.Faults.Add(new FaultRule(LabEndpoints.Metadata, FaultMode.Status) { StatusCode = 503 });
            var ex = await Assert.ThrowsAsync<DicomToolsHttpException>(() => Metadata(options: FastRetries(retries: 2)).GetAsync("ascii0001-chem", CancellationToken.None));
            Assert.Equal(FailureKind.ServerError, ex.Kind);
            Assert.Equal(3, ex.Attempts);
            Assert.Equal(3, _server.Journal.For(LabEndpoints.Metadata).Count);
        }

        [Fact]
        public async Task ANonJsonAnswerIsAnInvalidResponse()
        {
            _server.Faults.Add(new FaultRule(LabEndpoints.Metadata, FaultMode.NonJson) { Count = 1 });
            var ex = await Assert.ThrowsAsync<DicomToolsHttpException>(() => Metadata().GetAsync("ascii0001-chem", CancellationToken.None));
            Assert.Equal(FailureKind.InvalidResponse, ex.Kind);
            Assert.Contains("not JSON", ex.Message);
            Assert.Contains("text/html", ex.Message);
        }

        [Fact]
        public async Task AnAnswerLackingFieldsNamesWhatIsMissing()
        {
            _server.Samples.Set("partial-1", new JsonObject { ["patient-name"] = "Rex", ["test_type"] = "CBC" });
            var ex = await Assert.ThrowsAsync<DicomToolsHttpException>(() => Metadata().GetAsync("partial-1", CancellationToken.None));
            Assert.Equal(FailureKind.InvalidResponse, ex.Kind);
            Assert.Contains("'request_species'", ex.Message);
            Assert.Contains("'clinic-name'", ex.Message);
            Assert.DoesNotContain("'patient-name'", ex.Message);
        }

        [Fact]
        public async Task AnalyticsSendsSampleAndRequestTypeAndReturnsTheAnswer()
        {
            var client = new AnalyticsClient(
                HttpExecutor.Create(HttpConnectionSettings.Default, FastRetries(), _log),
                EndpointSettings.Resolve(ApiEndpoint.Analytics, new Uri(_server.BaseAddress, "api/analytics"), null, null,
                    new FakeEnvironment { ["A_KEY"] = _server.Options.Keys.AnalyticsKey }));
            _server.Faults.Add(new FaultRule(LabEndpoints.Analytics, FaultMode.Status) { StatusCode = 502, Count = 1 });

            var answer = await client.StartAsync("ref0000022tes-cbc", "CBC", CancellationToken.None);

            Assert.Equal("queued", answer.Fields["status"]);
            Assert.Equal("CBC", answer.Fields["request_type"]);
            Assert.StartsWith("job-", (string)answer.Fields["job_id"]!);
            Assert.Equal(2, answer.Attempts);
            var job = Assert.Single(_server.AnalyticsJobs.Items);
            Assert.Equal(("ref0000022tes-cbc", "CBC"), (job.SampleId, job.RequestType));
        }
    }
}
