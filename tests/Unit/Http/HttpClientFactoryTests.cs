using System;
using System.Linq;
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
    public class HttpClientFactoryTests
    {
        private static X509Certificate2 SelfSignedLocalhost()
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(System.Net.IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
            using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
        }

        private static HttpRequestBuilder Get(Uri baseAddress) => new HttpRequestBuilder(HttpMethod.Get, new Uri(baseAddress, "x"));

        [Fact]
        public async Task AnUntrustedCertificateFailsAtOnce_SkipCertificateCheckAcceptsIt()
        {
            using var certificate = SelfSignedLocalhost();
            await using var server = new ScriptedHttpServer(certificate);

            using (var verifying = HttpExecutor.Create(HttpConnectionSettings.Default, FastRetries(), null))
            {
                var ex = await Assert.ThrowsAsync<DicomToolsHttpException>(() => verifying.SendAsync(Get(server.BaseAddress), "Test call", CancellationToken.None));
                Assert.Equal(FailureKind.ConnectionFailed, ex.Kind);
                Assert.Equal(1, ex.Attempts);
                Assert.Equal(FailureRemedy.TrustServerCertificate, ex.Remedy);
                Assert.Contains("certificate is not trusted", ex.Message);
            }

            using var skipping = HttpExecutor.Create(new HttpConnectionSettings { SkipCertificateCheck = true }, FastRetries(), null);
            var answer = await skipping.SendAsync(Get(server.BaseAddress), "Test call", CancellationToken.None);
            Assert.Equal(200, answer.StatusCode);
            Assert.Single(server.Requests);
        }

        [Fact]
        public async Task ReusesAConnectionRightAway()
        {
            await using var server = new ScriptedHttpServer();
            using var executor = new HttpExecutor(HttpClientFactory.Create(HttpConnectionSettings.Default), FastRetries(), ownsClient: true);

            await executor.SendAsync(Get(server.BaseAddress), "Test call", CancellationToken.None);
            await executor.SendAsync(Get(server.BaseAddress), "Test call", CancellationToken.None);
            Assert.Equal(1, server.Connections);
        }

        [Fact]
        public void DropsIdleConnectionsBeforeOrthancDoes()
        {
            // Orthanc closes idle connections after ~1 s; we must not be the one reusing such a connection. The pool's
            // idle clock is the handler's own (no TimeProvider reaches it), so the test reads the setting instead of
            // sleeping past it.
            using var handler = HttpClientFactory.CreateHandler(HttpConnectionSettings.Default);
            var sockets = Assert.IsType<SocketsHttpHandler>(handler);
            Assert.Equal(HttpClientFactory.PooledConnectionIdleTimeout, sockets.PooledConnectionIdleTimeout);
            Assert.True(sockets.PooledConnectionIdleTimeout < TimeSpan.FromSeconds(1));
        }

        [Fact]
        public async Task DoesNotFollowRedirects_SoKeysNeverTravelToAnotherHost()
        {
            await using var server = new ScriptedHttpServer { Fallback = ScriptedHttpServer.Step.Status(302) };
            using var executor = HttpExecutor.Create(HttpConnectionSettings.Default, FastRetries(), null);
            var ex = await Assert.ThrowsAsync<DicomToolsHttpException>(() => executor.SendAsync(Get(server.BaseAddress), "Test call", CancellationToken.None));
            Assert.Equal(FailureKind.InvalidResponse, ex.Kind);
            Assert.Contains("redirect", ex.Message);
            Assert.Equal(1, ex.Attempts);
        }

        [Fact]
        public void SharesOneClientPerSettings_ButNotWithAProxyCredential()
        {
            var a = HttpClientFactory.GetClient(new HttpConnectionSettings { SkipCertificateCheck = true }, out var ownedA);
            var b = HttpClientFactory.GetClient(new HttpConnectionSettings { SkipCertificateCheck = true }, out _);
            var c = HttpClientFactory.GetClient(HttpConnectionSettings.Default, out _);
            Assert.False(ownedA);
            Assert.Same(a, b);
            Assert.NotSame(a, c);
            Assert.Equal(Timeout.InfiniteTimeSpan, a.Timeout);

            var withCredential = new HttpConnectionSettings { Proxy = new Uri("http://127.0.0.1:3128"), ProxyCredential = new System.Net.NetworkCredential("u", "p") };
            using var d = HttpClientFactory.GetClient(withCredential, out var ownedD);
            Assert.True(ownedD);
            using var e = HttpClientFactory.GetClient(withCredential, out _);
            Assert.NotSame(d, e);
        }

        [Fact]
        public async Task SendsThroughTheProxy_WithItsCredentialWhenAsked()
        {
            await using var proxy = new ScriptedHttpServer(
                ScriptedHttpServer.Step.WithHeaders(407, ("Proxy-Authenticate", "Basic realm=\"lab\"")));
            var settings = new HttpConnectionSettings
            {
                Proxy = proxy.BaseAddress,
                ProxyCredential = new System.Net.NetworkCredential("proxy-user", "proxy-pass"),
            };
            using var executor = HttpExecutor.Create(settings, FastRetries(), null);

            var answer = await executor.SendAsync(Get(new Uri("http://lab.invalid/api/")), "Test call", CancellationToken.None);

            Assert.Equal(200, answer.StatusCode);
            var seen = proxy.Requests.ToArray();
            Assert.Equal(2, seen.Length);
            // A proxy gets the absolute URI; the second request answers the proxy's challenge.
            Assert.All(seen, r => Assert.Equal("http://lab.invalid/api/x", r.Target));
            Assert.False(seen[0].Headers.ContainsKey("Proxy-Authorization"));
            Assert.Equal("Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("proxy-user:proxy-pass")), seen[1].Headers["Proxy-Authorization"]);
        }

        [Fact]
        public async Task AProxyAskingForCredentialsWeDoNotHaveFailsAtOnce()
        {
            await using var proxy = new ScriptedHttpServer
            {
                Fallback = ScriptedHttpServer.Step.WithHeaders(407, ("Proxy-Authenticate", "Basic realm=\"lab\"")),
            };
            using var executor = HttpExecutor.Create(new HttpConnectionSettings { Proxy = proxy.BaseAddress }, FastRetries(), null);
            var ex = await Assert.ThrowsAsync<DicomToolsHttpException>(() => executor.SendAsync(Get(new Uri("http://lab.invalid/api/")), "Test call", CancellationToken.None));
            Assert.Equal(FailureKind.Unauthorized, ex.Kind);
            Assert.Equal(1, ex.Attempts);
            Assert.Equal(FailureRemedy.ProxyCredential, ex.Remedy);
            Assert.Contains("proxy requires credentials", ex.Message);
        }
    }
}
