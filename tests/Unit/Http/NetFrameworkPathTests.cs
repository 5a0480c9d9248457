using System;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Engine.Http;
using Xunit;
using static DicomTools.Tests.Unit.Http.HttpExecutorTests;

namespace DicomTools.Tests.Unit.Http
{
    /// <summary>
    /// The branches Windows PowerShell 5.1 (.NET Framework) takes, forced on .NET: CI has no Windows, so this is the
    /// only place their logic runs. HttpClientHandler is the handler .NET Framework gets.
    /// </summary>
    public class NetFrameworkPathTests
    {
        private static X509Certificate2 SelfSignedLoopback()
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
            using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
        }

        private static HttpExecutor ClientHandlerExecutor(HttpConnectionSettings settings) =>
            new HttpExecutor(new HttpClient(HttpClientFactory.CreateHandler(settings, netFramework: true)) { Timeout = Timeout.InfiniteTimeSpan },
                FastRetries(), ownsClient: true);

        [Fact]
        public void TheNetFrameworkHandlerFollowsNoRedirectsAndAllowsConcurrentUploads()
        {
            using var handler = HttpClientFactory.CreateHandler(HttpConnectionSettings.Default, netFramework: true);
            var client = Assert.IsType<HttpClientHandler>(handler);
            Assert.False(client.AllowAutoRedirect);
            // .NET Framework's default of 2 connections per server would serialise -ThrottleLimit uploads.
            Assert.Equal(64, client.MaxConnectionsPerServer);
            Assert.Equal(DecompressionMethods.GZip | DecompressionMethods.Deflate, client.AutomaticDecompression);
            Assert.Null(client.ServerCertificateCustomValidationCallback);
        }

        [Fact]
        public void TheNetFrameworkHandlerUsesTheProxyWithItsCredential()
        {
            var credential = new NetworkCredential("proxyuser", "proxy-pw");
            using var handler = HttpClientFactory.CreateHandler(
                new HttpConnectionSettings { Proxy = new Uri("http://proxy.lab.test:3128"), ProxyCredential = credential }, netFramework: true);
            var client = Assert.IsType<HttpClientHandler>(handler);
            Assert.True(client.UseProxy);
            var proxy = Assert.IsType<WebProxy>(client.Proxy);
            Assert.Equal(new Uri("http://proxy.lab.test:3128"), proxy.Address);
            Assert.Same(credential, proxy.Credentials);
        }

        [Fact]
        public void OnDotNetTheSocketsHandlerIsChosen()
        {
            using var handler = HttpClientFactory.CreateHandler(HttpConnectionSettings.Default, netFramework: false);
            Assert.IsType<SocketsHttpHandler>(handler);
        }

        [Fact]
        public async Task TheNetFrameworkHandlerSendsAndRefusesAnUntrustedCertificateUnlessTold()
        {
            using var certificate = SelfSignedLoopback();
            await using var server = new ScriptedHttpServer(certificate);
            var uri = new Uri(server.BaseAddress, "x");

            using (var verifying = ClientHandlerExecutor(HttpConnectionSettings.Default))
            {
                var ex = await Assert.ThrowsAsync<DicomToolsHttpException>(() =>
                    verifying.SendAsync(new HttpRequestBuilder(HttpMethod.Get, uri), "Test call", CancellationToken.None));
                Assert.Equal(FailureKind.ConnectionFailed, ex.Kind);
            }
            Assert.Empty(server.Requests);

            using var skipping = ClientHandlerExecutor(new HttpConnectionSettings { SkipCertificateCheck = true });
            var answer = await skipping.SendAsync(new HttpRequestBuilder(HttpMethod.Get, uri), "Test call", CancellationToken.None);
            Assert.Equal(200, answer.StatusCode);
            Assert.Single(server.Requests);
        }

        [Fact]
        public async Task OnTheNetFrameworkPathAGetCarriesNoBody_TheDataTravelsInTheQueryString()
        {
            await using var server = new ScriptedHttpServer();
            using var executor = ClientHandlerExecutor(HttpConnectionSettings.Default);
            var request = new HttpRequestBuilder(HttpMethod.Get, new Uri(server.BaseAddress, "api/metadata"))
                { CanSendBodyWithGet = false }
                .WithQuery("sample_id", "s-1").WithJsonBody("{\"sample_id\":\"s-1\"}");
            Assert.True(request.BodyOmitted);
            var answer = await executor.SendAsync(request, "Test call", CancellationToken.None);
            Assert.Equal(200, answer.StatusCode);
            var seen = Assert.Single(server.Requests);
            Assert.Contains("sample_id=s-1", seen.Target, StringComparison.Ordinal);
            Assert.Equal(0, seen.Body.Length);
        }
    }
}
