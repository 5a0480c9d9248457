using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DicomTools.LabServer;

/// <summary>The lab's APIs, as the original script calls them (see LABSERVER-CONTRACT.md).</summary>
internal static class LabApi
{
    public static void Map(WebApplication app, LabServerState state)
    {
        app.MapMethods("/api/metadata", new[] { "GET", "POST" }, (HttpContext ctx) => Metadata(ctx, state));
        app.MapMethods("/api/analytics", new[] { "GET", "POST" }, (HttpContext ctx) => Analytics(ctx, state));
        app.MapPost("/api/logs", (HttpContext ctx) => Logs(ctx, state));
        app.MapPost("/api/upload", (Delegate)((HttpContext ctx) => FileApi.UploadAsync(ctx, state)));
        app.MapPost("/api/upload/archive", (Delegate)((HttpContext ctx) => FileApi.ArchiveAsync(ctx, state)));
        app.MapPost("/dicom-web/studies", (Delegate)((HttpContext ctx) => FileApi.StowAsync(ctx, state, null)));
        app.MapPost("/dicom-web/studies/{study}", (HttpContext ctx, string study) => FileApi.StowAsync(ctx, state, study));
    }

    /// <summary>401 when the header is missing, 403 when its value is not the key; null when it is. Never echoes the value.</summary>
    internal static IResult? CheckKey(HttpContext ctx, string header, string expected)
    {
        var given = ctx.Request.Headers[header].ToString();
        if (string.IsNullOrEmpty(given)) return LabJson.Error(StatusCodes.Status401Unauthorized, $"missing key: send it in the '{header}' header");
        var same = CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));
        return same ? null : LabJson.Error(StatusCodes.Status403Forbidden, $"the key in the '{header}' header is not valid");
    }

    private static IResult Metadata(HttpContext ctx, LabServerState state)
    {
        if (CheckKey(ctx, "x-api-key", state.Keys.MdKey) is { } denied) return denied;
        if (!TryReadJsonBody(ctx, out var body, out var bodyError)) return bodyError!;

        var sampleId = Field(body, ctx, "sample_id");
        if (string.IsNullOrEmpty(sampleId)) return LabJson.Error(400, "sample_id is required, in the JSON body or the query string");
        var priorityText = Field(body, ctx, "priority");
        int? priority = null;
        if (!string.IsNullOrEmpty(priorityText))
        {
            if (!int.TryParse(priorityText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p))
                return LabJson.Error(400, $"priority must be an integer, not '{priorityText}'");
            priority = p;
        }

        var sample = state.Samples.Get(sampleId);
        if (sample == null) return LabJson.Error(404, $"sample '{sampleId}' not found");
        if (priority != null) sample["priority"] = priority;
        return LabJson.Result(sample);
    }

    private static IResult Analytics(HttpContext ctx, LabServerState state)
    {
        if (CheckKey(ctx, "x-api-key", state.Keys.AnalyticsKey) is { } denied) return denied;
        if (!TryReadJsonBody(ctx, out var body, out var bodyError)) return bodyError!;
        var sampleId = Field(body, ctx, "sample_id");
        var requestType = Field(body, ctx, "request_type");
        if (string.IsNullOrEmpty(sampleId)) return LabJson.Error(400, "sample_id is required, in the JSON body or the query string");
        if (string.IsNullOrEmpty(requestType)) return LabJson.Error(400, "request_type is required, in the JSON body or the query string");
        var job = new AnalyticsJob("job-" + Guid.NewGuid().ToString("N")[..12], sampleId, requestType, DateTimeOffset.UtcNow);
        state.AnalyticsJobs.Add(job);
        return LabJson.Result(new JsonObject
        {
            ["status"] = "queued",
            ["job_id"] = job.JobId,
            ["sample_id"] = sampleId,
            ["request_type"] = requestType,
        });
    }

    private static IResult Logs(HttpContext ctx, LabServerState state)
    {
        if (CheckKey(ctx, "x-api-key", state.Keys.LogKey) is { } denied) return denied;
        var bytes = ctx.Features.Get<BufferedBody>()?.Bytes ?? Array.Empty<byte>();
        var sampleId = FirstNonEmpty(ctx.Request.Query["sample_id"], ctx.Request.Headers["X-Sample-Id"]);
        var attempt = FirstNonEmpty(ctx.Request.Query["attempt"], ctx.Request.Headers["X-Attempt-Number"]);
        state.Logs.Add(new ReceivedLog(state.NextLogSeq(), DateTimeOffset.UtcNow, sampleId, attempt, bytes.Length, Encoding.UTF8.GetString(bytes)));
        return LabJson.Result(new JsonObject { ["Status"] = "Received", ["Bytes"] = bytes.Length });
    }

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrEmpty(v));

    /// <summary>The JSON object body, or null when there is none. A body that is not a JSON object is a 400.</summary>
    private static bool TryReadJsonBody(HttpContext ctx, out JsonObject? body, out IResult? error)
    {
        body = null; error = null;
        var bytes = ctx.Features.Get<BufferedBody>()?.Bytes;
        if (bytes == null || bytes.Length == 0 || bytes.All(b => b is (byte)' ' or (byte)'\r' or (byte)'\n' or (byte)'\t')) return true;
        try
        {
            body = JsonNode.Parse(bytes) as JsonObject;
        }
        catch (JsonException e)
        {
            error = LabJson.Error(400, $"the body is not JSON: {e.Message}");
            return false;
        }
        if (body == null) error = LabJson.Error(400, "the body must be a JSON object");
        return body != null;
    }

    /// <summary>A field from the JSON body if there, else from the query string (the body wins).</summary>
    private static string? Field(JsonObject? body, HttpContext ctx, string name)
    {
        if (body != null && body.TryGetPropertyValue(name, out var node) && node != null)
        {
            return node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString();
        }
        var fromQuery = ctx.Request.Query[name].ToString();
        return fromQuery.Length == 0 ? null : fromQuery;
    }
}
