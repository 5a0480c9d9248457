using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace DicomTools.LabServer;

/// <summary>The samples the metadata API knows, each as the JSON object it answers with.</summary>
public sealed class SampleRegistry
{
    private readonly ConcurrentDictionary<string, JsonObject> _samples = new(StringComparer.Ordinal);

    internal SampleRegistry()
    {
        // Non-ASCII on purpose: a client that decodes the answer as Latin-1 or ASCII shows here.
        Set("ref0000022tes-cbc", new JsonObject
        {
            ["patient-name"] = "Rex^Bobby",
            ["request_species"] = "Canine",
            ["test_type"] = "CBC",
            ["clinic-name"] = "Clínica Veterinária São João",
            ["owner"] = "Ana Souza",
            ["received"] = "2026-11-20T09:15:00Z",
        });
        Set("ascii0001-chem", new JsonObject
        {
            ["patient-name"] = "Tom^Cat",
            ["request_species"] = "Feline",
            ["test_type"] = "CHEM",
            ["clinic-name"] = "Springfield Vet",
        });
    }

    /// <summary>Adds or replaces a sample; its <c>sample_id</c> is always <paramref name="sampleId"/>.</summary>
    public void Set(string sampleId, JsonObject fields)
    {
        ArgumentException.ThrowIfNullOrEmpty(sampleId);
        var copy = (JsonObject)fields.DeepClone();
        copy["sample_id"] = sampleId;
        _samples[sampleId] = copy;
    }

    /// <summary>A copy of the sample's answer, or null.</summary>
    public JsonObject? Get(string sampleId) =>
        _samples.TryGetValue(sampleId, out var sample) ? (JsonObject)sample.DeepClone() : null;
}

public sealed record ReceivedLog(long Seq, DateTimeOffset Time, string? SampleId, string? Attempt, long Bytes, string Text);

public sealed record AnalyticsJob(string JobId, string SampleId, string RequestType, DateTimeOffset Time);

/// <summary>An append-only, thread-safe list that tests read as snapshots.</summary>
public sealed class Received<T>
{
    private readonly List<T> _items = new();
    private readonly object _gate = new();
    internal void Add(T item) { lock (_gate) _items.Add(item); }
    public IReadOnlyList<T> Items { get { lock (_gate) return _items.ToArray(); } }
    public int Count { get { lock (_gate) return _items.Count; } }
    public void Clear() { lock (_gate) _items.Clear(); }
}
