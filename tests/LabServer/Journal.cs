using System.Text.Json;

namespace DicomTools.LabServer;

/// <summary>
/// One request as the server saw it. Header NAMES only: a value may be a key, and the journal is
/// read by tests, printed by helpers and kept in test output.
/// </summary>
public sealed class JournalEntry
{
    public long Seq { get; init; }
    public DateTimeOffset Time { get; init; }
    public string Method { get; init; } = "";
    public string Path { get; init; } = "";
    /// <summary>The query string, with values of key-like parameters replaced by "***".</summary>
    public string Query { get; init; } = "";
    /// <summary>metadata, upload, stow, archive, analytics, logs, or "other".</summary>
    public string Endpoint { get; init; } = "";
    /// <summary>The status sent; 0 when the connection was reset (fault) or the client went away first.</summary>
    public int StatusCode { get; internal set; }
    public IReadOnlyList<string> Headers { get; init; } = Array.Empty<string>();
    public long BodyBytes { get; internal set; }
    /// <summary>The body, for JSON bodies that parsed.</summary>
    public JsonElement? BodyJson { get; internal set; }
    /// <summary>The fault injected into this request (status, reset, slow, nonjson), or null.</summary>
    public string? Fault { get; internal set; }
    /// <summary>True once the server is done with the request.</summary>
    public bool Completed { get; internal set; }
}

/// <summary>Thread-safe, in arrival order.</summary>
public sealed class RequestJournal
{
    private readonly List<JournalEntry> _entries = new();
    private readonly object _gate = new();
    private long _seq;

    internal long NextSeq() => Interlocked.Increment(ref _seq);

    internal void Add(JournalEntry entry)
    {
        lock (_gate) _entries.Add(entry);
    }

    /// <summary>A snapshot; later requests do not change it.</summary>
    public IReadOnlyList<JournalEntry> Entries
    {
        get { lock (_gate) return _entries.ToArray(); }
    }

    public IReadOnlyList<JournalEntry> For(string endpoint) =>
        Entries.Where(e => string.Equals(e.Endpoint, endpoint, StringComparison.OrdinalIgnoreCase)).ToArray();

    public void Clear()
    {
        lock (_gate) _entries.Clear();
    }

    internal void Update(Action mutate)
    {
        lock (_gate) mutate();
    }
}
