using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace DicomTools.Tests.Unit.Http
{
    /// <summary>
    /// A raw-socket HTTP/1.1 server on 127.0.0.1 that answers each request with the next scripted step (a status,
    /// a reset, a stall), then with the fallback. It records every request's head and body, so a test sees exactly
    /// what went on the wire (headers such as Expect included).
    /// </summary>
    internal sealed class ScriptedHttpServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly ConcurrentQueue<Step> _script = new ConcurrentQueue<Step>();
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly Task _accepting;

        private readonly System.Security.Cryptography.X509Certificates.X509Certificate2? _certificate;
        private int _connections;

        /// <summary>An HTTPS server presenting <paramref name="certificate"/>.</summary>
        public ScriptedHttpServer(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, params Step[] script)
            : this(script)
        {
            _certificate = certificate;
            BaseAddress = new UriBuilder(BaseAddress) { Scheme = "https" }.Uri;
        }

        public ScriptedHttpServer(params Step[] script)
        {
            foreach (var step in script) _script.Enqueue(step);
            _listener.Start();
            BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
            _accepting = Task.Run(AcceptLoop);
        }

        public Uri BaseAddress { get; }

        /// <summary>TCP connections accepted so far (to see whether the client reused one).</summary>
        public int Connections => Volatile.Read(ref _connections);

        /// <summary>What is answered once the script is used up.</summary>
        public Step Fallback { get; set; } = Step.Status(200, "{\"ok\":true}");

        public ConcurrentQueue<RecordedRequest> Requests { get; } = new ConcurrentQueue<RecordedRequest>();

        private readonly SemaphoreSlim _arrived = new SemaphoreSlim(0);

        /// <summary>Completes when <paramref name="count"/> requests have arrived; the real-time guard only catches a hang.</summary>
        public async Task WaitForRequestsAsync(int count)
        {
            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (Requests.Count < count)
            {
                try { await _arrived.WaitAsync(guard.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { throw new TimeoutException($"Only {Requests.Count} of {count} requests arrived within 30 s."); }
            }
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _listener.Stop();
            try { await _accepting.ConfigureAwait(false); } catch { /* stopping */ }
            _stop.Dispose();
        }

        private async Task AcceptLoop()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false); }
                catch { return; }
                Interlocked.Increment(ref _connections);
                _ = Task.Run(() => Serve(client));
            }
        }

        private async Task Serve(TcpClient client)
        {
            using (client)
            {
                Stream stream = client.GetStream();
                if (_certificate != null)
                {
                    var tls = new System.Net.Security.SslStream(stream);
                    try { await tls.AuthenticateAsServerAsync(_certificate).ConfigureAwait(false); }
                    catch { tls.Dispose(); return; }
                    stream = tls;
                }
                while (!_stop.IsCancellationRequested)
                {
                    var request = await ReadRequest(stream).ConfigureAwait(false);
                    if (request == null) return;
                    Requests.Enqueue(request);
                    _arrived.Release();
                    var step = _script.TryDequeue(out var next) ? next : Fallback;
                    if (step.Reset)
                    {
                        client.Client.LingerState = new LingerOption(true, 0);
                        stream.Dispose();
                        client.Client.Close();
                        return;
                    }
                    if (step.Delay > TimeSpan.Zero || step.Delay == Timeout.InfiniteTimeSpan)
                    {
                        try { await Task.Delay(step.Delay, _stop.Token).ConfigureAwait(false); } catch { return; }
                    }
                    var body = Encoding.UTF8.GetBytes(step.Body);
                    var head = new StringBuilder()
                        .Append("HTTP/1.1 ").Append(step.StatusCode).Append(' ').Append(Reason(step.StatusCode)).Append("\r\n")
                        .Append("Content-Type: ").Append(step.ContentType).Append("\r\n")
                        .Append("Content-Length: ").Append(body.Length).Append("\r\n");
                    foreach (var header in step.Headers) head.Append(header.Key).Append(": ").Append(header.Value).Append("\r\n");
                    head.Append("\r\n");
                    try
                    {
                        var headBytes = Encoding.ASCII.GetBytes(head.ToString());
                        await stream.WriteAsync(headBytes).ConfigureAwait(false);
                        await stream.WriteAsync(body).ConfigureAwait(false);
                        await stream.FlushAsync().ConfigureAwait(false);
                    }
                    catch (IOException) { return; }
                }
            }
        }

        private static string Reason(int status) => status switch
        {
            200 => "OK", 400 => "Bad Request", 401 => "Unauthorized", 403 => "Forbidden", 404 => "Not Found",
            408 => "Request Timeout", 409 => "Conflict", 413 => "Payload Too Large", 415 => "Unsupported Media Type",
            429 => "Too Many Requests", 500 => "Internal Server Error", 502 => "Bad Gateway", 503 => "Service Unavailable",
            504 => "Gateway Timeout", _ => "Status",
        };

        private static async Task<RecordedRequest?> ReadRequest(Stream stream)
        {
            var head = new List<byte>();
            var one = new byte[1];
            while (true)
            {
                int read;
                try { read = await stream.ReadAsync(one).ConfigureAwait(false); }
                catch (IOException) { return null; }
                if (read == 0) return null;
                head.Add(one[0]);
                var n = head.Count;
                if (n >= 4 && head[n - 4] == '\r' && head[n - 3] == '\n' && head[n - 2] == '\r' && head[n - 1] == '\n') break;
            }
            var lines = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            var parts = lines[0].Split(' ');
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            for (var i = 1; i < lines.Length; i++)
            {
                var colon = lines[i].IndexOf(':');
                if (colon > 0) headers[lines[i].Substring(0, colon).Trim()] = lines[i].Substring(colon + 1).Trim();
            }
            var body = Array.Empty<byte>();
            if (headers.TryGetValue("Content-Length", out var lengthText) && int.TryParse(lengthText, out var length) && length > 0)
            {
                body = new byte[length];
                var offset = 0;
                while (offset < length)
                {
                    var read = await stream.ReadAsync(body.AsMemory(offset)).ConfigureAwait(false);
                    if (read == 0) return null;
                    offset += read;
                }
            }
            return new RecordedRequest(parts[0], parts[1], headers, Encoding.UTF8.GetString(body));
        }

        internal sealed record RecordedRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers, string Body);

        internal sealed class Step
        {
            public int StatusCode { get; private init; } = 200;
            public string Body { get; private init; } = string.Empty;
            public string ContentType { get; private init; } = "application/json";
            public IReadOnlyDictionary<string, string> Headers { get; private init; } = new Dictionary<string, string>();
            public bool Reset { get; private init; }
            public TimeSpan Delay { get; private init; }

            public static Step Status(int statusCode, string body = "", string? retryAfter = null, string contentType = "application/json") => new Step
            {
                StatusCode = statusCode,
                Body = body,
                ContentType = contentType,
                Headers = retryAfter == null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["Retry-After"] = retryAfter },
            };

            public static Step WithHeaders(int statusCode, params (string Name, string Value)[] headers) => new Step
            {
                StatusCode = statusCode,
                Headers = headers.ToDictionary(h => h.Name, h => h.Value),
            };

            public static Step ResetConnection() => new Step { Reset = true };

            /// <summary>Holds the request and never answers (until the server stops): the client's timeout decides.</summary>
            public static Step NoAnswer() => new Step { Delay = Timeout.InfiniteTimeSpan };

            public static Step Slow(TimeSpan delay, int statusCode = 200, string body = "{\"ok\":true}") =>
                new Step { Delay = delay, StatusCode = statusCode, Body = body };
        }
    }
}
