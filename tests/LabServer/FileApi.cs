using System.IO.Compression;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace DicomTools.LabServer;

/// <summary>Endpoints that receive DICOM files: raw upload, STOW-RS, all-or-nothing ZIP.</summary>
internal static class FileApi
{
    private const int CopyBufferSize = 128 * 1024;

    // PS3.4 / PS3.18 failure reasons used in the Failed SOP Sequence.
    internal const ushort ReasonOutOfResources = 0xA700;
    internal const ushort ReasonStudyMismatch = 0xA900;
    internal const ushort ReasonCannotUnderstand = 0xC000;

    public static async Task<IResult> UploadAsync(HttpContext ctx, LabServerState state)
    {
        if (LabApi.CheckKey(ctx, "Authorization", state.Keys.UploadKey) is { } denied) return denied;
        var temp = state.Store.NewIncomingPath();
        try
        {
            var bytes = await ReceiveToFileAsync(ctx.Request.Body, temp, ctx.RequestAborted);
            if (bytes == 0) return LabJson.Result(new { Status = "Rejected", Reason = "the body is empty; send one DICOM Part 10 file" }, 400);
            InstanceSummary summary;
            try { summary = state.Reader.Read(temp); }
            catch (InvalidInstanceException e) { return LabJson.Result(new { Status = "Rejected", Reason = e.Message }, 400); }

            var (status, instance) = state.Store.Commit(new PendingInstance(temp, summary, bytes), LabEndpoints.Upload);
            return LabJson.Result(InstanceAnswer(status, instance));
        }
        finally
        {
            InstanceStore.TryDelete(temp);
        }
    }

    private static JsonObject InstanceAnswer(StoreStatus status, StoredInstance instance) => new()
    {
        ["Status"] = status.ToString(),
        ["ID"] = instance.ID,
        ["Path"] = "/instances/" + instance.ID,
        ["SOPInstanceUID"] = instance.SOPInstanceUID,
        ["PatientID"] = instance.PatientID,
        ["StudyInstanceUID"] = instance.StudyInstanceUID,
        ["SeriesInstanceUID"] = instance.SeriesInstanceUID,
    };

    /// <summary>Streams a body to disk; the body never sits in memory whole.</summary>
    private static async Task<long> ReceiveToFileAsync(Stream body, string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, CopyBufferSize, FileOptions.Asynchronous);
        await body.CopyToAsync(file, CopyBufferSize, cancellationToken);
        return file.Length;
    }

    // ---------------------------------------------------------------- STOW-RS

    private sealed record StowFailure(string? SopClassUid, string? SopInstanceUid, ushort Reason, string Detail);

    public static async Task<IResult> StowAsync(HttpContext ctx, LabServerState state, string? routeStudy)
    {
        if (LabApi.CheckKey(ctx, "Authorization", state.Keys.UploadKey) is { } denied) return denied;
        if (!MediaTypeHeaderValue.TryParse(ctx.Request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("multipart/related", StringComparison.OrdinalIgnoreCase))
            return LabJson.Error(415, "STOW-RS takes multipart/related; type=\"application/dicom\"; boundary=...");
        var type = HeaderUtilities.RemoveQuotes(GetParameter(contentType, "type")).ToString();
        if (type.Length > 0 && !type.Equals("application/dicom", StringComparison.OrdinalIgnoreCase))
            return LabJson.Error(415, $"this server stores only type=\"application/dicom\", not \"{type}\"");
        var boundary = HeaderUtilities.RemoveQuotes(contentType.Boundary).ToString();
        if (boundary.Length == 0) return LabJson.Error(400, "the Content-Type has no boundary parameter");

        var pending = new List<PendingInstance>();
        var failures = new List<StowFailure>();
        var parts = 0;
        try
        {
            var reader = new MultipartReader(boundary, ctx.Request.Body) { BodyLengthLimit = null };
            MultipartSection? section;
            while ((section = await ReadSectionAsync(reader, ctx.RequestAborted)) != null)
            {
                parts++;
                var partType = section.ContentType;
                var temp = state.Store.NewIncomingPath();
                long bytes;
                try
                {
                    bytes = await ReceiveToFileAsync(section.Body, temp, ctx.RequestAborted);
                }
                catch (IOException e) when (IsDiskProblem(e))
                {
                    InstanceStore.TryDelete(temp);
                    failures.Add(new StowFailure(null, null, ReasonOutOfResources, "the server could not write the part: " + e.Message));
                    continue;
                }
                if (partType == null || !MediaTypeHeaderValue.TryParse(partType, out var pt) || !pt.MediaType.Equals("application/dicom", StringComparison.OrdinalIgnoreCase))
                {
                    InstanceStore.TryDelete(temp);
                    failures.Add(new StowFailure(null, null, ReasonCannotUnderstand, $"part {parts} has Content-Type '{partType}', not application/dicom"));
                    continue;
                }
                InstanceSummary summary;
                try { summary = state.Reader.Read(temp); }
                catch (InvalidInstanceException e)
                {
                    InstanceStore.TryDelete(temp);
                    failures.Add(new StowFailure(null, null, ReasonCannotUnderstand, $"part {parts}: {e.Message}"));
                    continue;
                }
                if (routeStudy != null && !string.Equals(routeStudy, summary.StudyInstanceUid, StringComparison.Ordinal))
                {
                    InstanceStore.TryDelete(temp);
                    failures.Add(new StowFailure(summary.SopClassUid, summary.SopInstanceUid, ReasonStudyMismatch, $"part {parts} belongs to study {summary.StudyInstanceUid}, not {routeStudy}"));
                    continue;
                }
                pending.Add(new PendingInstance(temp, summary, bytes));
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException && !ctx.RequestAborted.IsCancellationRequested)
        {
            foreach (var p in pending) InstanceStore.TryDelete(p.TempPath);
            return LabJson.Error(400, "the multipart/related body is malformed: " + e.Message);
        }
        catch
        {
            foreach (var p in pending) InstanceStore.TryDelete(p.TempPath);
            throw;
        }

        if (parts == 0) return LabJson.Error(400, "the multipart/related body has no parts");

        var stored = pending.Count == 0 ? new List<(StoreStatus Status, StoredInstance Instance)>() : state.Store.CommitAll(pending, LabEndpoints.Stow).ToList();
        var baseUrl = $"{ctx.Request.Scheme}://{ctx.Request.Host}/dicom-web";
        var answer = new JsonObject();
        var studies = stored.Select(s => s.Instance.StudyInstanceUID).Distinct().ToList();
        if (studies.Count == 1 && studies[0] != null) answer["00081190"] = Attribute("UR", $"{baseUrl}/studies/{studies[0]}");
        if (stored.Count > 0)
        {
            answer["00081199"] = Sequence(stored.Select(s => new JsonObject
            {
                ["00081150"] = Attribute("UI", s.Instance.SOPClassUID),
                ["00081155"] = Attribute("UI", s.Instance.SOPInstanceUID),
                ["00081190"] = Attribute("UR", $"{baseUrl}/studies/{s.Instance.StudyInstanceUID}/series/{s.Instance.SeriesInstanceUID}/instances/{s.Instance.SOPInstanceUID}"),
            }));
        }
        if (failures.Count > 0)
        {
            answer["00081198"] = Sequence(failures.Select(f => new JsonObject
            {
                ["00081150"] = Attribute("UI", f.SopClassUid),
                ["00081155"] = Attribute("UI", f.SopInstanceUid),
                ["00081197"] = new JsonObject { ["vr"] = "US", ["Value"] = new JsonArray(f.Reason) },
            }));
            // Not DICOM: why each part failed, for people reading the answer. Clients go by 00081198.
            answer["FailureDetails"] = new JsonArray(failures.Select(f => (JsonNode?)JsonValue.Create(f.Detail)).ToArray());
        }
        var status = failures.Count == 0 ? 200 : stored.Count > 0 ? 202 : 409;
        return LabJson.Result(answer, status, "application/dicom+json");
    }

    private static async Task<MultipartSection?> ReadSectionAsync(MultipartReader reader, CancellationToken cancellationToken) =>
        await reader.ReadNextSectionAsync(cancellationToken);

    private static bool IsDiskProblem(IOException e) => e.HResult is 28 or 112 or unchecked((int)0x80070070);

    private static StringSegment GetParameter(MediaTypeHeaderValue value, string name) =>
        value.Parameters.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase))?.Value ?? StringSegment.Empty;

    private static JsonObject Attribute(string vr, string? value)
    {
        var attribute = new JsonObject { ["vr"] = vr };
        // An unknown value is an empty attribute (no "Value"), as PS3.18 F.2 writes a zero-length element.
        if (!string.IsNullOrEmpty(value)) attribute["Value"] = new JsonArray(value);
        return attribute;
    }

    private static JsonObject Sequence(IEnumerable<JsonObject> items) =>
        new() { ["vr"] = "SQ", ["Value"] = new JsonArray(items.Cast<JsonNode?>().ToArray()) };

    // ---------------------------------------------------------------- ZIP, all or nothing

    private sealed record ArchiveFailure(string Name, string Reason);

    public static async Task<IResult> ArchiveAsync(HttpContext ctx, LabServerState state)
    {
        if (LabApi.CheckKey(ctx, "Authorization", state.Keys.UploadKey) is { } denied) return denied;
        var zipPath = state.Store.NewIncomingPath();
        var batchDir = Path.Combine(state.Store.IncomingPath, Guid.NewGuid().ToString("N"));
        try
        {
            var bytes = await ReceiveToFileAsync(ctx.Request.Body, zipPath, ctx.RequestAborted);
            if (bytes == 0) return Rejected(400, new ArchiveFailure("(archive)", "the body is empty; send a ZIP of DICOM files"));

            var pending = new List<(string Name, PendingInstance Instance)>();
            var failures = new List<ArchiveFailure>();
            ZipArchive zip;
            try { zip = new ZipArchive(new FileStream(zipPath, FileMode.Open, FileAccess.Read, FileShare.Read, CopyBufferSize), ZipArchiveMode.Read); }
            catch (InvalidDataException e) { return Rejected(400, new ArchiveFailure("(archive)", "the body is not a ZIP archive: " + e.Message)); }

            using (zip)
            {
                Directory.CreateDirectory(batchDir);
                var index = 0;
                foreach (var entry in zip.Entries)
                {
                    if (entry.FullName.EndsWith('/') || entry.FullName.EndsWith('\\')) continue;   // a folder
                    // Entry names are never used as paths here: a name like ../../x cannot escape.
                    var temp = Path.Combine(batchDir, (index++).ToString(System.Globalization.CultureInfo.InvariantCulture) + ".dcm");
                    try
                    {
                        await using (var source = entry.Open())
                        await using (var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, CopyBufferSize, FileOptions.Asynchronous))
                        {
                            await source.CopyToAsync(target, CopyBufferSize, ctx.RequestAborted);
                        }
                        var summary = state.Reader.Read(temp);
                        pending.Add((entry.FullName, new PendingInstance(temp, summary, entry.Length)));
                    }
                    catch (InvalidDataException e) { failures.Add(new ArchiveFailure(entry.FullName, "damaged ZIP entry: " + e.Message)); }
                    catch (NotSupportedException e) { failures.Add(new ArchiveFailure(entry.FullName, "unsupported ZIP entry: " + e.Message)); }
                    catch (InvalidInstanceException e) { failures.Add(new ArchiveFailure(entry.FullName, e.Message)); }
                }
            }

            if (pending.Count == 0 && failures.Count == 0) return Rejected(400, new ArchiveFailure("(archive)", "the archive has no files"));
            if (failures.Count > 0)
            {
                return LabJson.Result(new JsonObject
                {
                    ["Status"] = "Rejected",
                    ["Reason"] = $"{failures.Count} of {failures.Count + pending.Count} entries are not storable DICOM files; nothing was stored",
                    ["Failed"] = FailedArray(failures),
                }, 422);
            }

            IReadOnlyList<(StoreStatus Status, StoredInstance Instance)> committed;
            try { committed = state.Store.CommitAll(pending.Select(p => p.Instance).ToList(), LabEndpoints.Archive); }
            catch (IOException e)
            {
                return LabJson.Result(new JsonObject { ["Status"] = "Rejected", ["Reason"] = "the server could not store the files; nothing was stored: " + e.Message, ["Failed"] = new JsonArray() }, 500);
            }
            var stored = new JsonArray();
            for (var i = 0; i < committed.Count; i++)
            {
                stored.Add(new JsonObject
                {
                    ["Name"] = pending[i].Name,
                    ["SOPInstanceUID"] = committed[i].Instance.SOPInstanceUID,
                    ["ID"] = committed[i].Instance.ID,
                    ["Status"] = committed[i].Status.ToString(),
                });
            }
            return LabJson.Result(new JsonObject { ["Status"] = "Success", ["Stored"] = stored });
        }
        finally
        {
            InstanceStore.TryDelete(zipPath);
            try { if (Directory.Exists(batchDir)) Directory.Delete(batchDir, recursive: true); }
            catch (IOException) { }
        }
    }

    private static IResult Rejected(int status, ArchiveFailure failure) =>
        LabJson.Result(new JsonObject { ["Status"] = "Rejected", ["Reason"] = failure.Reason, ["Failed"] = FailedArray(new[] { failure }) }, status);

    private static JsonArray FailedArray(IEnumerable<ArchiveFailure> failures) =>
        new(failures.Select(f => (JsonNode?)new JsonObject { ["Name"] = f.Name, ["Reason"] = f.Reason }).ToArray());
}
