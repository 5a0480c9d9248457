using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;

namespace DicomTools.LabServer;

/// <summary>The small body of a JSON/log request, read once before the endpoint runs.</summary>
internal sealed class BufferedBody
{
    public BufferedBody(byte[] bytes) { Bytes = bytes; }
    public byte[] Bytes { get; }
}

/// <summary>
/// Records every API request in the journal (header names only) and injects the configured faults.
/// File bodies (upload, stow, archive) are never buffered: they are counted as the endpoint streams them.
/// </summary>
internal sealed class JournalAndFaultMiddleware
{
    /// <summary>JSON and log bodies above this are refused with 413: they are never that large by contract.</summary>
    internal const int MaxSmallBody = 16 * 1024 * 1024;
    private static readonly string[] SecretLikeQueryNames = { "key", "token", "password", "secret", "auth" };

    private readonly RequestDelegate _next;
    private readonly LabServerState _state;

    public JournalAndFaultMiddleware(RequestDelegate next, LabServerState state)
    {
        _next = next; _state = state;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments("/_admin"))
        {
            await _next(context);
            return;
        }

        var request = context.Request;
        var endpoint = LabEndpoints.Classify(request.Path);
        var entry = new JournalEntry
        {
            Seq = _state.Journal.NextSeq(),
            Time = DateTimeOffset.UtcNow,
            Method = request.Method,
            Path = request.Path.Value ?? "",
            Query = RedactQuery(request.QueryString),
            Endpoint = endpoint,
            Headers = request.Headers.Keys.ToArray(),
        };
        _state.Journal.Add(entry);
        // The entry is complete before the client can see the answer, so a test that reads the journal
        // right after a response never races the server.
        context.Response.OnStarting(() =>
        {
            // Kestrel also fires this after the middleware returned (response never started): then the
            // final status below stands.
            _state.Journal.Update(() => { if (!entry.Completed) entry.StatusCode = context.Response.StatusCode; });
            return Task.CompletedTask;
        });

        var reset = false;
        try
        {
            if (LabEndpoints.TakesFiles(endpoint))
            {
                var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
                if (sizeFeature is { IsReadOnly: false }) sizeFeature.MaxRequestBodySize = null;
                request.Body = new CountingStream(request.Body, n => _state.Journal.Update(() => entry.BodyBytes += n));
            }
            else if (!await BufferSmallBodyAsync(context, entry, endpoint))
            {
                return;
            }

            var fault = endpoint == LabEndpoints.Other ? null : _state.Faults.Take(endpoint);
            if (fault != null)
            {
                _state.Journal.Update(() => entry.Fault = fault.Mode.ToString().ToLowerInvariant());
                reset = fault.Mode == FaultMode.Reset;
                if (!await ApplyFaultAsync(context, fault)) return;
            }

            await _next(context);
        }
        finally
        {
            _state.Journal.Update(() =>
            {
                entry.StatusCode = reset || (context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted) ? 0 : context.Response.StatusCode;
                entry.Completed = true;
            });
        }
    }

    /// <returns>False when the request was answered here (too large).</returns>
    private async Task<bool> BufferSmallBodyAsync(HttpContext context, JournalEntry entry, string endpoint)
    {
        var request = context.Request;
        if (request.ContentLength > MaxSmallBody)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return false;
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxSmallBody)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                return false;
            }
            buffer.Write(chunk, 0, read);
        }
        var bytes = buffer.ToArray();
        context.Features.Set(new BufferedBody(bytes));

        JsonElement? json = null;
        var looksJson = request.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true
            // A GET with a body often comes without a Content-Type; the JSON APIs read it as JSON anyway.
            || (request.ContentType == null && endpoint is LabEndpoints.Metadata or LabEndpoints.Analytics);
        if (looksJson && bytes.Length > 0)
        {
            try { json = JsonDocument.Parse(bytes).RootElement.Clone(); }
            catch (JsonException) { }
        }
        _state.Journal.Update(() => { entry.BodyBytes = bytes.Length; entry.BodyJson = json; });
        return true;
    }

    /// <returns>True when the request should go on to the endpoint (slow mode).</returns>
    private static async Task<bool> ApplyFaultAsync(HttpContext context, FaultRule fault)
    {
        var aborted = context.RequestAborted;
        switch (fault.Mode)
        {
            case FaultMode.Reset:
                context.Abort();
                return false;

            case FaultMode.Slow:
                try { await Task.Delay(fault.DelayMs, aborted); }
                catch (OperationCanceledException) { return false; }
                return true;

            case FaultMode.Status:
                // Read what the client sends first: answering mid-upload makes many clients see a
                // broken connection instead of the status, and the status is what the fault is about.
                if (!await DrainAsync(context)) return false;
                context.Response.StatusCode = fault.StatusCode;
                if (fault.RetryAfterSec is { } seconds) context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await context.Response.WriteAsJsonAsync(new { error = $"injected fault: status {fault.StatusCode}" }, LabJson.Options, aborted);
                return false;

            case FaultMode.NonJson:
                if (!await DrainAsync(context)) return false;
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentType = "text/html; charset=utf-8";
                await context.Response.WriteAsync("<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>injected fault: not JSON</p></body></html>", aborted);
                return false;

            case FaultMode.EchoKey:
                if (!await DrainAsync(context)) return false;
                context.Response.StatusCode = fault.StatusCode;
                await context.Response.WriteAsJsonAsync(EchoCredentials(context.Request), LabJson.Options, aborted);
                return false;

            default:
                throw new InvalidOperationException($"Unknown fault mode {fault.Mode}.");
        }
    }

    /// <summary>The request's credential headers, each in the forms a server might echo them.</summary>
    internal static Dictionary<string, object> EchoCredentials(HttpRequest request)
    {
        var echoed = new Dictionary<string, object> { ["error"] = "injected fault: echo of the credentials received" };
        foreach (var (name, values) in request.Headers)
        {
            var lower = name.ToLowerInvariant();
            if (!(lower == "authorization" || lower.Contains("key") || lower.Contains("token"))) continue;
            var value = values.ToString();
            var secret = value;
            var space = value.IndexOf(' ');
            if (lower == "authorization" && space > 0) secret = value[(space + 1)..];
            var upper = Uri.EscapeDataString(secret);
            echoed[lower] = new Dictionary<string, string>
            {
                ["header"] = $"{name}: {value}",
                ["plain"] = $"key was {secret} (rejected)",
                ["urlUpper"] = "key=" + upper,
                ["urlLower"] = "key=" + System.Text.RegularExpressions.Regex.Replace(upper, "%[0-9A-F]{2}", m => m.Value.ToLowerInvariant()),
                ["base64"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)),
            };
            echoed["message"] = $"invalid credential {secret}; base64 {Convert.ToBase64String(Encoding.UTF8.GetBytes(secret))}; url {upper}";
        }
        return echoed;
    }

    private static async Task<bool> DrainAsync(HttpContext context)
    {
        try
        {
            await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or BadHttpRequestException)
        {
            return false;
        }
    }

    internal static string RedactQuery(QueryString query)
    {
        if (!query.HasValue) return "";
        var parts = QueryHelpers.ParseQuery(query.Value);
        var sb = new StringBuilder();
        foreach (var (name, values) in parts)
        {
            var secret = SecretLikeQueryNames.Any(s => name.Contains(s, StringComparison.OrdinalIgnoreCase));
            foreach (var value in values)
            {
                sb.Append(sb.Length == 0 ? '?' : '&').Append(Uri.EscapeDataString(name)).Append('=')
                  .Append(secret ? "***" : Uri.EscapeDataString(value ?? ""));
            }
        }
        return sb.ToString();
    }
}

/// <summary>Counts the bytes the endpoint reads, for the journal.</summary>
internal sealed class CountingStream : Stream
{
    private readonly Stream _inner;
    private readonly Action<int> _onRead;
    public CountingStream(Stream inner, Action<int> onRead) { _inner = inner; _onRead = onRead; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await _inner.ReadAsync(buffer, cancellationToken);
        if (n > 0) _onRead(n);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = _inner.Read(buffer, offset, count);
        if (n > 0) _onRead(n);
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
