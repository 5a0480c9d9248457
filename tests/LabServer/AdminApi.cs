using System.Text.Json;
using System.Text.Json.Nodes;

namespace DicomTools.LabServer;

/// <summary>Test control: no auth (the server binds loopback only). Not journaled.</summary>
internal static class AdminApi
{
    /// <summary>The body of POST /_admin/faults.</summary>
    internal sealed class FaultRequest
    {
        public string? Endpoint { get; set; }
        public string? Mode { get; set; }
        public int? StatusCode { get; set; }
        public int? Count { get; set; }
        public int? RetryAfterSec { get; set; }
        public int? DelayMs { get; set; }
    }

    public static void Map(WebApplication app, LabServerState state)
    {
        app.MapGet("/_admin/journal", () => LabJson.Result(state.Journal.Entries));
        app.MapDelete("/_admin/journal", () => { state.Journal.Clear(); return Results.NoContent(); });
        // Answers once no client connection but the asker's is open (see OpenConnections), or after timeoutMs.
        app.MapGet("/_admin/idle", async (HttpContext ctx, int? timeoutMs) =>
        {
            var self = ctx.Connection.Id;
            var idle = await state.Connections.WaitUntilIdleAsync(self, TimeSpan.FromMilliseconds(timeoutMs ?? 30_000), ctx.RequestAborted);
            return LabJson.Result(new { Idle = idle, Open = state.Connections.CountOthers(self) });
        });

        app.MapGet("/_admin/faults", () => LabJson.Result(state.Faults.Rules.Select(r => new
        {
            r.Endpoint, Mode = r.Mode.ToString().ToLowerInvariant(), r.StatusCode, r.Count, r.RetryAfterSec, r.DelayMs, Used = r.Used,
        })));
        app.MapPost("/_admin/faults", (Delegate)(async (HttpContext ctx) =>
        {
            FaultRequest? request;
            try { request = await JsonSerializer.DeserializeAsync<FaultRequest>(ctx.Request.Body, LabJson.Options, ctx.RequestAborted); }
            catch (JsonException e) { return LabJson.Error(400, "the fault is not valid JSON: " + e.Message); }
            if (request?.Endpoint == null || request.Mode == null) return LabJson.Error(400, "a fault needs 'endpoint' and 'mode'");
            if (!Enum.TryParse<FaultMode>(request.Mode, ignoreCase: true, out var mode) || !Enum.IsDefined(mode))
                return LabJson.Error(400, $"unknown mode '{request.Mode}'; use status, reset, slow, nonjson or echokey");
            FaultRule rule;
            try
            {
                rule = new FaultRule(request.Endpoint, mode)
                {
                    StatusCode = request.StatusCode ?? 503,
                    Count = request.Count ?? 0,
                    RetryAfterSec = request.RetryAfterSec,
                    DelayMs = request.DelayMs ?? 5000,
                };
                state.Faults.Add(rule);
            }
            catch (ArgumentException e) { return LabJson.Error(400, e.Message); }
            return LabJson.Result(new { rule.Endpoint, Mode = mode.ToString().ToLowerInvariant(), rule.StatusCode, rule.Count, rule.RetryAfterSec, rule.DelayMs });
        }));
        app.MapDelete("/_admin/faults", () => { state.Faults.Clear(); return Results.NoContent(); });

        app.MapGet("/_admin/instances", () => LabJson.Result(state.Store.Instances.Select(i => new
        {
            i.ID, i.SOPInstanceUID, i.StudyInstanceUID, i.SeriesInstanceUID, i.PatientID, i.Bytes, i.Via, i.SOPClassUID, i.Time,
        })));
        app.MapDelete("/_admin/instances", () => { state.Store.Clear(); return Results.NoContent(); });

        app.MapGet("/_admin/logs", () => LabJson.Result(state.Logs.Items));
        app.MapDelete("/_admin/logs", () => { state.Logs.Clear(); return Results.NoContent(); });
        app.MapGet("/_admin/analytics", () => LabJson.Result(state.AnalyticsJobs.Items));

        app.MapPut("/_admin/samples/{id}", async (HttpContext ctx, string id) =>
        {
            JsonNode? node;
            try { node = await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted); }
            catch (JsonException e) { return LabJson.Error(400, "the sample is not valid JSON: " + e.Message); }
            if (node is not JsonObject fields) return LabJson.Error(400, "the sample must be a JSON object (the metadata answer)");
            state.Samples.Set(id, fields);
            return LabJson.Result(state.Samples.Get(id)!);
        });
        app.MapGet("/_admin/samples/{id}", (string id) =>
            state.Samples.Get(id) is { } sample ? LabJson.Result(sample) : LabJson.Error(404, $"sample '{id}' not found"));
    }
}
