using System;
using Microsoft.Extensions.Logging;
using System.IO;
using System.Linq;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Engine.Http;
using DicomTools.Engine.Logging;
using DicomTools.LabServer;
using Xunit;

namespace DicomTools.Tests.Unit.Logging
{
    public sealed class LogSubmitterTests : IDisposable
    {
        private readonly string _log = Path.Combine(Path.GetTempPath(), "submit-" + Guid.NewGuid().ToString("N") + ".log");

        public void Dispose() => File.Delete(_log);

        private static SecureString Secure(string s) { var x = new SecureString(); foreach (var c in s) x.AppendChar(c); return x; }

        private static (HttpExecutor, LogSubmitter) Submitter(LabServerHost server, string key, int retries = 2)
        {
            var endpoint = EndpointSettings.Resolve(ApiEndpoint.Logs, new Uri(server.BaseAddress, "api/logs"),
                ApiCredential.ApiKey(Secure(key), "x-api-key"), null);
            var executor = new HttpExecutor(HttpClientFactory.Create(HttpConnectionSettings.Default),
                new HttpRetryOptions { MaximumRetryCount = retries, RetryInterval = TimeSpan.FromMilliseconds(20) }, ownsClient: true);
            return (executor, new LogSubmitter(executor, endpoint));
        }

        [Fact]
        public async Task PostsTheLogWithSampleAndAttemptInQueryAndHeadersWhileItIsStillOpen()
        {
            await using var server = await LabServerHost.StartAsync(new LabServerOptions());
            using var writer = new LogFileWriter(_log);
            writer.Write(new LogEntry(DateTimeOffset.Now, LogLevel.Error, "Run", "Clínica run failed"));
            var (executor, submitter) = Submitter(server, server.Options.Keys.LogKey);
            using (executor)
            {
                var answer = await submitter.SendAsync(_log, "ref0000022tes-cbc", 3, CancellationToken.None);
                Assert.Equal(200, answer.StatusCode);
            }
            var received = Assert.Single(server.Logs.Items);
            Assert.Equal(("ref0000022tes-cbc", "3"), (received.SampleId, received.Attempt));
            Assert.Equal(File.ReadAllText(_log), received.Text);
            Assert.Contains("[ERROR] | Clínica run failed", received.Text);
            var request = server.Journal.Entries.Single(e => e.Endpoint == "logs");
            Assert.Equal("POST", request.Method);
            Assert.Contains("sample_id=ref0000022tes-cbc", request.Query);
            Assert.Contains("attempt=3", request.Query);
            Assert.Contains(request.Headers, h => string.Equals(h, LogSubmitter.SampleIdHeader, StringComparison.OrdinalIgnoreCase));
            Assert.Contains(request.Headers, h => string.Equals(h, LogSubmitter.AttemptHeader, StringComparison.OrdinalIgnoreCase));
        }

        [Fact]
        public async Task RetriesATransientFaultAndFailsAtOnceOnAWrongKey()
        {
            await using var server = await LabServerHost.StartAsync(new LabServerOptions());
            File.WriteAllText(_log, "line\n");
            server.Faults.Add(new FaultRule(LabEndpoints.Logs, FaultMode.Status) { StatusCode = 503, Count = 2 });
            var (executor, submitter) = Submitter(server, server.Options.Keys.LogKey);
            using (executor)
            {
                var answer = await submitter.SendAsync(_log, "s", 1, CancellationToken.None);
                Assert.Equal(3, answer.Attempts);
            }
            Assert.Equal("line\n", Assert.Single(server.Logs.Items).Text);

            var (badExecutor, bad) = Submitter(server, "wrong-log-key-7731");
            using (badExecutor)
            {
                var ex = await Assert.ThrowsAsync<DicomToolsHttpException>(() => bad.SendAsync(_log, "s", 1, CancellationToken.None));
                Assert.Equal(1, ex.Attempts);
                Assert.DoesNotContain("wrong-log-key-7731", ex.Message);
            }
        }
    }
}
