using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading.Tasks;
using DicomTools.LabServer;
using Xunit;

namespace DicomTools.Tests.Unit.LabServer
{
    public sealed class MetadataApiTests : LabServerTestBase
    {
        [Fact]
        public async Task AnswersTheSampleFromTheQueryWithItsNonAsciiFieldsIntact()
        {
            using var request = Request(HttpMethod.Get, "api/metadata?sample_id=ref0000022tes-cbc&priority=2", apiKey: Keys.MdKey);
            using var response = await Http.SendAsync(request);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("utf-8", response.Content.Headers.ContentType!.CharSet);
            var body = await ReadJsonAsync(response);
            Assert.Equal("ref0000022tes-cbc", Str(body, "sample_id"));
            Assert.Equal("Rex^Bobby", Str(body, "patient-name"));
            Assert.Equal("Canine", Str(body, "request_species"));
            Assert.Equal("CBC", Str(body, "test_type"));
            Assert.Equal("Clínica Veterinária São João", Str(body, "clinic-name"));
            Assert.Equal(2, body.GetProperty("priority").GetInt32());
            // Extra fields are part of the answer: clients must keep them.
            Assert.Equal("Ana Souza", Str(body, "owner"));
            // Sent as raw UTF-8, not \u escapes, so a client that decodes with the wrong charset shows it.
            Assert.Contains("Clínica", Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync()));
        }

        [Fact]
        public async Task ReadsAGetBodyAndTheBodyWinsOverTheQuery()
        {
            using var request = Request(HttpMethod.Get, "api/metadata?sample_id=nope&priority=9", apiKey: Keys.MdKey);
            request.Content = Json("{\"sample_id\":\"ascii0001-chem\",\"priority\":3}");
            using var response = await Http.SendAsync(request);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await ReadJsonAsync(response);
            Assert.Equal("ascii0001-chem", Str(body, "sample_id"));
            Assert.Equal("Tom^Cat", Str(body, "patient-name"));
            Assert.Equal(3, body.GetProperty("priority").GetInt32());
        }

        [Fact]
        public async Task AcceptsPost()
        {
            using var request = Request(HttpMethod.Post, "api/metadata", apiKey: Keys.MdKey);
            request.Content = Json("{\"sample_id\":\"ascii0001-chem\"}");
            using var response = await Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("CHEM", Str(await ReadJsonAsync(response), "test_type"));
        }

        [Theory]
        [InlineData(null, HttpStatusCode.Unauthorized)]
        [InlineData("wrong-key-value-42", HttpStatusCode.Forbidden)]
        public async Task RefusesAMissingOrWrongKeyWithoutEchoingIt(string? key, HttpStatusCode expected)
        {
            using var request = Request(HttpMethod.Get, "api/metadata?sample_id=ascii0001-chem", apiKey: key);
            using var response = await Http.SendAsync(request);
            Assert.Equal(expected, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("wrong-key-value-42", text);
            Assert.DoesNotContain(Keys.MdKey, text);
        }

        [Fact]
        public async Task AnotherApisKeyIsNotAccepted()
        {
            using var request = Request(HttpMethod.Get, "api/metadata?sample_id=ascii0001-chem", apiKey: Keys.AnalyticsKey);
            using var response = await Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        [Fact]
        public async Task UnknownSampleIs404NamingIt()
        {
            using var request = Request(HttpMethod.Get, "api/metadata?sample_id=no-such-sample", apiKey: Keys.MdKey);
            using var response = await Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains("no-such-sample", await response.Content.ReadAsStringAsync());
        }

        [Theory]
        [InlineData("api/metadata", null)]
        [InlineData("api/metadata", "{\"priority\":2}")]
        [InlineData("api/metadata", "this is not json")]
        [InlineData("api/metadata?sample_id=ascii0001-chem&priority=high", null)]
        public async Task BadRequestsAre400(string path, string? body)
        {
            using var request = Request(HttpMethod.Get, path, apiKey: Keys.MdKey);
            if (body != null) request.Content = Json(body);
            using var response = await Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        [Fact]
        public async Task SamplesAddedThroughTheAdminApiAreServed()
        {
            using (var put = new HttpRequestMessage(HttpMethod.Put, "_admin/samples/new-sample-7"))
            {
                put.Content = Json("{\"patient-name\":\"Fido\",\"request_species\":\"Canine\",\"test_type\":\"URI\",\"clinic-name\":\"Vet\",\"ward\":\"B\"}");
                using var added = await Http.SendAsync(put);
                Assert.Equal(HttpStatusCode.OK, added.StatusCode);
            }
            using var request = Request(HttpMethod.Get, "api/metadata?sample_id=new-sample-7", apiKey: Keys.MdKey);
            using var response = await Http.SendAsync(request);
            var body = await ReadJsonAsync(response);
            Assert.Equal("Fido", Str(body, "patient-name"));
            Assert.Equal("B", Str(body, "ward"));
            Assert.Equal("new-sample-7", Str(body, "sample_id"));
        }
    }

    public sealed class CustomKeysTests : LabServerTestBase
    {
        protected override LabServerOptions CreateOptions() => new() { Keys = new LabServerKeys { MdKey = "custom-md" } };

        [Fact]
        public async Task TheConfiguredKeyReplacesTheDefault()
        {
            using (var withDefault = Request(HttpMethod.Get, "api/metadata?sample_id=ascii0001-chem", apiKey: "md-test-key"))
            using (var refused = await Http.SendAsync(withDefault))
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            using var request = Request(HttpMethod.Get, "api/metadata?sample_id=ascii0001-chem", apiKey: "custom-md");
            using var response = await Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    public sealed class AnalyticsAndLogsApiTests : LabServerTestBase
    {
        [Fact]
        public async Task AnalyticsQueuesAJobFromTheBody()
        {
            using var request = Request(HttpMethod.Get, "api/analytics", apiKey: Keys.AnalyticsKey);
            request.Content = Json("{\"sample_id\":\"ascii0001-chem\",\"request_type\":\"CHEM\"}");
            using var response = await Http.SendAsync(request);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await ReadJsonAsync(response);
            Assert.Equal("queued", Str(body, "status"));
            Assert.Equal("ascii0001-chem", Str(body, "sample_id"));
            Assert.Equal("CHEM", Str(body, "request_type"));
            var job = Assert.Single(Server.AnalyticsJobs.Items);
            Assert.Equal(Str(body, "job_id"), job.JobId);
        }

        [Fact]
        public async Task AnalyticsReadsTheQueryAndNeedsBothFields()
        {
            using (var ok = Request(HttpMethod.Get, "api/analytics?sample_id=s1&request_type=CBC", apiKey: Keys.AnalyticsKey))
            using (var response = await Http.SendAsync(ok))
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var missing = Request(HttpMethod.Get, "api/analytics?sample_id=s1", apiKey: Keys.AnalyticsKey);
            using var bad = await Http.SendAsync(missing);
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("request_type", await bad.Content.ReadAsStringAsync());
        }

        [Fact]
        public async Task AnalyticsChecksItsKey()
        {
            using var request = Request(HttpMethod.Get, "api/analytics?sample_id=s1&request_type=CBC", apiKey: Keys.MdKey);
            using var response = await Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal(0, Server.AnalyticsJobs.Count);
        }

        [Fact]
        public async Task LogsAreKeptWithSampleAndAttemptFromQueryOrHeaders()
        {
            using (var viaQuery = Request(HttpMethod.Post, "api/logs?sample_id=s1&attempt=1", apiKey: Keys.LogKey))
            {
                viaQuery.Content = new StringContent("first log ✓", Encoding.UTF8, "text/plain");
                using var response = await Http.SendAsync(viaQuery);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var body = await ReadJsonAsync(response);
                Assert.Equal("Received", Str(body, "Status"));
                Assert.Equal(Encoding.UTF8.GetByteCount("first log ✓"), body.GetProperty("Bytes").GetInt32());
            }
            using (var viaHeaders = Request(HttpMethod.Post, "api/logs", apiKey: Keys.LogKey))
            {
                viaHeaders.Headers.Add("X-Sample-Id", "s2");
                viaHeaders.Headers.Add("X-Attempt-Number", "3");
                viaHeaders.Content = new StringContent("second", Encoding.UTF8, "text/plain");
                using var response = await Http.SendAsync(viaHeaders);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            var logs = await AdminGetAsync("logs");
            Assert.Equal(new[] { "s1", "s2" }, Names(logs, "SampleId"));
            Assert.Equal(new[] { "1", "3" }, Names(logs, "Attempt"));
            Assert.Equal("first log ✓", logs[0].GetProperty("Text").GetString());
        }

        [Fact]
        public async Task LogsRefuseAWrongKey()
        {
            using var request = Request(HttpMethod.Post, "api/logs", apiKey: "nope");
            request.Content = new StringContent("x");
            using var response = await Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal(0, Server.Logs.Count);
        }
    }
}
