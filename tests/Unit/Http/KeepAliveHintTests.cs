using System;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Engine.Http;
using Xunit;
using static DicomTools.Tests.Unit.Http.HttpExecutorTests;

namespace DicomTools.Tests.Unit.Http
{
    public class KeepAliveHintTests
    {
        // Orthanc 1.10.1's answer head, as captured with strace.
        private const string OrthancHead = "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=1\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: 228\r\n\r\n";

        private static (bool Rewritten, string Text) Run(string text, int offset = 0)
        {
            var bytes = new byte[offset + Encoding.ASCII.GetByteCount(text)];
            Encoding.ASCII.GetBytes(text, 0, text.Length, bytes, offset);
            var rewritten = KeepAliveHint.TryNeutralise(bytes, offset, bytes.Length - offset);
            return (rewritten, Encoding.ASCII.GetString(bytes, offset, bytes.Length - offset));
        }

        [Fact]
        public void OrthancsOneSecondHintIsRenamedAndNoOtherByteMoves()
        {
            var (rewritten, text) = Run(OrthancHead + "{\"ID\":1}", offset: 3);
            Assert.True(rewritten);
            Assert.Equal(OrthancHead.Replace("Keep-Alive:", "X-Keep-Alv:") + "{\"ID\":1}", text);
        }

        [Theory]
        [InlineData("HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5\r\n\r\n")]                      // .NET reuses it already
        [InlineData("HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1, max=0\r\n\r\n")]               // max=0 asks to close
        [InlineData("HTTP/1.1 200 OK\r\nKeep-Alive: max=100\r\n\r\n")]
        [InlineData("HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 0\r\n")]     // the head goes on in the next read
        [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 24\r\n\r\n\r\nKeep-Alive: timeout=1\r\n")] // in the body
        [InlineData("HTTP/1.1 200 OK\r\nX-Keep-Alive: timeout=1\r\n\r\n")]
        [InlineData("\r\nKeep-Alive: timeout=1\r\n\r\nHTTP/1.1 200 OK")]                      // not the start of an answer
        public void AnythingElseIsLeftAsItIs(string text)
        {
            var (rewritten, after) = Run(text);
            Assert.False(rewritten);
            Assert.Equal(text, after);
        }

        [Theory]
        [InlineData("POST /instances HTTP/1.1\r\nHost: x\r\n\r\n", true)]
        [InlineData("GET /system HTTP/1.1\r\n", true)]
        [InlineData("\0\0\0DICM", false)]
        [InlineData("POST /instances HTTP/1.1 and then some", false)]
        [InlineData("--DicomTools-1234\r\nContent-Type: application/dicom\r\n", false)]
        public void ARequestIsRecognisedByItsRequestLine(string written, bool startsRequest) =>
            Assert.Equal(startsRequest, KeepAliveHint.StartsRequest(Encoding.ASCII.GetBytes(written)));

        [Fact]
        public async Task ASecondRequestReusesTheConnectionOfAServerThatAnnouncesAOneSecondTimeout()
        {
            await using var server = new ScriptedHttpServer { Fallback = ScriptedHttpServer.Step.WithHeaders(200, ("Keep-Alive", "timeout=1")) };
            using var executor = new HttpExecutor(HttpClientFactory.Create(HttpConnectionSettings.Default), FastRetries(), ownsClient: true);

            for (var i = 0; i < 3; i++)
                Assert.Equal(200, (await executor.SendAsync(new HttpRequestBuilder(HttpMethod.Post, new Uri(server.BaseAddress, "instances")).WithJsonBody("{}"), "Test call", CancellationToken.None)).StatusCode);

            Assert.Equal(1, server.Connections);
        }

        [Fact]
        public async Task WithoutTheFilterDotNetOpensAConnectionPerRequest_TheReasonItExists()
        {
            await using var server = new ScriptedHttpServer { Fallback = ScriptedHttpServer.Step.WithHeaders(200, ("Keep-Alive", "timeout=1")) };
            using var client = new HttpClient(new SocketsHttpHandler());
            for (var i = 0; i < 2; i++)
            {
                using var response = await client.GetAsync(new Uri(server.BaseAddress, "x"));
                await response.Content.ReadAsByteArrayAsync();
            }
            Assert.Equal(2, server.Connections);
        }

        [Fact]
        public async Task AServerThatClosesIsNotReusedAfterAll()
        {
            await using var server = new ScriptedHttpServer { Fallback = ScriptedHttpServer.Step.WithHeaders(200, ("Connection", "close"), ("Keep-Alive", "timeout=1")) };
            using var executor = new HttpExecutor(HttpClientFactory.Create(HttpConnectionSettings.Default), FastRetries(), ownsClient: true);
            for (var i = 0; i < 2; i++)
                await executor.SendAsync(new HttpRequestBuilder(HttpMethod.Get, new Uri(server.BaseAddress, "x")), "Test call", CancellationToken.None);
            Assert.Equal(2, server.Connections);
        }
    }
}
