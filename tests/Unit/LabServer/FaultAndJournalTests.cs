using System;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.LabServer;
using DicomTools.Tests.Unit.Support;
using Xunit;

namespace DicomTools.Tests.Unit.LabServer
{
    public sealed class FaultTests : LabServerTestBase
    {
        private async Task<HttpResponseMessage> MetadataAsync(CancellationToken cancellationToken = default)
        {
            using var request = Request(HttpMethod.Get, "api/metadata?sample_id=ascii0001-chem", apiKey: Keys.MdKey);
            return await Http.SendAsync(request, cancellationToken);
        }

        private async Task AddFaultAsync(string json)
        {
            using var response = await Http.PostAsync("_admin/faults", Json(json));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        [Fact]
        public async Task StatusFailsTheFirstNWithRetryAfterThenTheEndpointBehaves()
        {
            await AddFaultAsync("{\"endpoint\":\"upload\",\"mode\":\"status\",\"statusCode\":503,\"count\":2,\"retryAfterSec\":1}");

            var codes = new HttpStatusCode[3];
            for (var i = 0; i < 3; i++)
            {
                using var response = await UploadAsync(TestDicom.Instance(1).ToBytes());
                codes[i] = response.StatusCode;
                if (i < 2) Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter!.Delta);
                else Assert.Null(response.Headers.RetryAfter);
            }
            Assert.Equal(new[] { HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK }, codes);
            Assert.Single(Server.Store.Instances);
            Assert.Equal(new[] { "status", "status", null }, Server.Journal.For("upload").Select(e => e.Fault).ToArray());
            Assert.Empty(Server.Faults.Rules);
        }

        [Fact]
        public async Task CountZeroFailsEveryRequestUntilCleared()
        {
            Server.Faults.Add(new FaultRule("metadata", FaultMode.Status) { StatusCode = 429 });
            for (var i = 0; i < 4; i++)
            {
                using var response = await MetadataAsync();
                Assert.Equal((HttpStatusCode)429, response.StatusCode);
            }
            using (var cleared = await Http.DeleteAsync("_admin/faults")) Assert.Equal(HttpStatusCode.NoContent, cleared.StatusCode);
            using var ok = await MetadataAsync();
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        [Fact]
        public async Task FaultsApplyOnlyToTheirEndpoint()
        {
            Server.Faults.Add(new FaultRule("analytics", FaultMode.Status) { StatusCode = 500 });
            using var response = await MetadataAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        [Fact]
        public async Task ResetAbortsTheConnectionOnce()
        {
            await AddFaultAsync("{\"endpoint\":\"metadata\",\"mode\":\"reset\",\"count\":1}");
            await Assert.ThrowsAsync<HttpRequestException>(() => MetadataAsync());
            using var after = await MetadataAsync();
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
            Assert.Equal(0, Server.Journal.For("metadata")[0].StatusCode);
            Assert.Equal("reset", Server.Journal.For("metadata")[0].Fault);
        }

        [Fact]
        public async Task ResetDuringAnUploadStoresNothing()
        {
            Server.Faults.Add(new FaultRule("upload", FaultMode.Reset) { Count = 1 });
            await Assert.ThrowsAsync<HttpRequestException>(() => UploadAsync(TestDicom.Instance(1).ToBytes()));
            Assert.Empty(Server.Store.Instances);
        }

        [Fact]
        public async Task SlowDelaysTheAnswerThenAnswersNormally()
        {
            Server.Faults.Add(new FaultRule("metadata", FaultMode.Slow) { DelayMs = 400, Count = 1 });
            var watch = Stopwatch.StartNew();
            using var response = await MetadataAsync();
            Assert.True(watch.ElapsedMilliseconds >= 380, $"answered after {watch.ElapsedMilliseconds} ms");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("CHEM", Str(await ReadJsonAsync(response), "test_type"));
        }

        [Fact]
        public async Task SlowStopsWaitingWhenTheClientGoesAway()
        {
            Server.Faults.Add(new FaultRule("metadata", FaultMode.Slow) { DelayMs = 60_000 });
            using var cts = new CancellationTokenSource();
            var pending = MetadataAsync(cts.Token);
            // The client goes away once the server holds its request, not after a guess of how long that takes.
            await Conditions.UntilAsync(() => Server.Journal.For("metadata").Count == 1, "the request to reach the server");
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);

            // The server side ends promptly too (its entry completes), instead of sleeping a minute: the guard
            // (far below the fault's 60 s) is what would fail if it did not.
            await Conditions.UntilAsync(() => Server.Journal.For("metadata") is { Count: 1 } e && e[0].Completed, "the server to drop the request");
            Assert.Equal(0, Server.Journal.For("metadata")[0].StatusCode);
        }

        [Fact]
        public async Task NonJsonAnswers200WithHtml()
        {
            await AddFaultAsync("{\"endpoint\":\"metadata\",\"mode\":\"nonjson\",\"count\":1}");
            using var response = await MetadataAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
            Assert.StartsWith("<html>", await response.Content.ReadAsStringAsync());
        }

        [Theory]
        [InlineData("{\"endpoint\":\"nowhere\",\"mode\":\"status\"}")]
        [InlineData("{\"endpoint\":\"upload\",\"mode\":\"explode\"}")]
        [InlineData("{\"endpoint\":\"upload\"}")]
        [InlineData("{\"endpoint\":\"upload\",\"mode\":\"status\",\"statusCode\":42}")]
        [InlineData("not json")]
        public async Task AnInvalidFaultIs400(string json)
        {
            using var response = await Http.PostAsync("_admin/faults", Json(json));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Empty(Server.Faults.Rules);
        }

        [Fact]
        public async Task ConcurrentRequestsUseACountedFaultExactlyNTimes()
        {
            Server.Faults.Add(new FaultRule("metadata", FaultMode.Status) { StatusCode = 503, Count = 5 });
            var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => MetadataAsync()));
            Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.ServiceUnavailable));
            Assert.Equal(15, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
            foreach (var r in responses) r.Dispose();
        }
    }

    public sealed class JournalTests : LabServerTestBase
    {
        [Fact]
        public async Task IdleAnswersOnlyOnceEveryClientConnectionIsClosed()
        {
            using (var client = new HttpClient { BaseAddress = Server.BaseAddress })
            {
                using var answer = await client.GetAsync("/_admin/journal");   // leaves a kept-alive connection open
                Assert.True(answer.IsSuccessStatusCode);
                Assert.True(Server.Connections.CountOthers(except: null) >= 1);
                Assert.False(await Server.Connections.WaitUntilIdleAsync(null, TimeSpan.Zero, CancellationToken.None));
            }
            Http.Dispose();   // the base class's client may hold one too
            Assert.True(await Server.Connections.WaitUntilIdleAsync(null, ManualClock.Guard, CancellationToken.None));
            Assert.Equal(0, Server.Connections.CountOthers(except: null));
        }

        [Fact]
        public async Task RecordsHeaderNamesButNeverKeyValues()
        {
            using (var request = Request(HttpMethod.Get, "api/metadata?sample_id=ascii0001-chem&api_key=leaked-in-query", apiKey: Keys.MdKey))
            using (await Http.SendAsync(request)) { }
            using (await UploadAsync(TestDicom.Instance(1).ToBytes())) { }
            using (var request = Request(HttpMethod.Post, "api/logs", apiKey: "a-wrong-log-key"))
            {
                request.Content = Json("{}");
                using (await Http.SendAsync(request)) { }
            }

            using var journal = await Http.GetAsync("_admin/journal");
            var text = await journal.Content.ReadAsStringAsync();
            foreach (var secret in new[] { Keys.MdKey, Keys.UploadKey, "a-wrong-log-key", "leaked-in-query" })
                Assert.DoesNotContain(secret, text);

            var entries = JsonDocument.Parse(text).RootElement;
            Assert.Equal(3, entries.GetArrayLength());
            Assert.Contains("x-api-key", entries[0].GetProperty("Headers").EnumerateArray().Select(h => h.GetString()), StringComparer.OrdinalIgnoreCase);
            Assert.Contains("Authorization", entries[1].GetProperty("Headers").EnumerateArray().Select(h => h.GetString()), StringComparer.OrdinalIgnoreCase);
            Assert.Equal("?sample_id=ascii0001-chem&api_key=***", Str(entries[0], "Query"));
        }

        [Fact]
        public async Task RecordsEndpointStatusSizeAndJsonBodies()
        {
            var dicom = TestDicom.Instance(1).ToBytes();
            using (await UploadAsync(dicom)) { }
            using (var request = Request(HttpMethod.Get, "api/analytics", apiKey: Keys.AnalyticsKey))
            {
                request.Content = Json("{\"sample_id\":\"s9\",\"request_type\":\"CBC\"}");
                using (await Http.SendAsync(request)) { }
            }
            using (var request = Request(HttpMethod.Get, "api/metadata", apiKey: "wrong"))
            {
                request.Content = Json("{\"sample_id\":\"s9\"}");
                using (await Http.SendAsync(request)) { }
            }

            var entries = await AdminGetAsync("journal");
            Assert.Equal(new[] { "upload", "analytics", "metadata" }, Names(entries, "Endpoint"));
            Assert.Equal(new[] { 200, 200, 403 }, entries.EnumerateArray().Select(e => e.GetProperty("StatusCode").GetInt32()).ToArray());
            Assert.Equal(dicom.Length, entries[0].GetProperty("BodyBytes").GetInt64());
            Assert.Equal(JsonValueKind.Null, entries[0].GetProperty("BodyJson").ValueKind);
            Assert.Equal("CBC", entries[1].GetProperty("BodyJson").GetProperty("request_type").GetString());
            // Recorded even when the key was refused: tests look at what the client sent.
            Assert.Equal("s9", entries[2].GetProperty("BodyJson").GetProperty("sample_id").GetString());
            Assert.True(entries[0].GetProperty("Seq").GetInt64() < entries[1].GetProperty("Seq").GetInt64());
        }

        [Fact]
        public async Task AdminCallsAreNotJournaledAndDeleteClears()
        {
            using (var request = Request(HttpMethod.Get, "api/metadata?sample_id=ascii0001-chem", apiKey: Keys.MdKey))
            using (await Http.SendAsync(request)) { }
            await AdminGetAsync("instances");
            Assert.Single(Server.Journal.Entries);

            using (var deleted = await Http.DeleteAsync("_admin/journal")) Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
            Assert.Equal(0, (await AdminGetAsync("journal")).GetArrayLength());
        }

        [Fact]
        public async Task InstancesListsWhatWasStored()
        {
            using (await UploadAsync(TestDicom.Instance(4, "PID-9").ToBytes())) { }
            var instance = Assert.Single((await AdminGetAsync("instances")).EnumerateArray());
            Assert.Equal("1.2.826.0.1.3680043.2.1125.1.1.4", Str(instance, "SOPInstanceUID"));
            Assert.Equal("PID-9", Str(instance, "PatientID"));
            Assert.Equal("1.2.826.0.1.3680043.2.1125.1", Str(instance, "StudyInstanceUID"));
            Assert.Equal("upload", Str(instance, "Via"));
            Assert.True(instance.GetProperty("Bytes").GetInt64() > 132);
        }
    }
}
