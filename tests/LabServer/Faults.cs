namespace DicomTools.LabServer;

public enum FaultMode
{
    /// <summary>Answer with <see cref="FaultRule.StatusCode"/> (and Retry-After when set).</summary>
    Status,
    /// <summary>Abort the connection without an answer.</summary>
    Reset,
    /// <summary>Wait <see cref="FaultRule.DelayMs"/>, then answer normally.</summary>
    Slow,
    /// <summary>200 with an HTML body, as a proxy's error page would be.</summary>
    NonJson,
    /// <summary>
    /// Answer with <see cref="FaultRule.StatusCode"/> and a JSON body that echoes the request's credential headers in
    /// every form a careless server might (as is, URL-encoded upper and lower case, Base64, the whole Authorization
    /// value): proves the client masks secrets that come back in a server's text.
    /// </summary>
    EchoKey,
}

/// <summary>What to do to the next <see cref="Count"/> requests of one endpoint (0 = every request).</summary>
public sealed class FaultRule
{
    public FaultRule(string endpoint, FaultMode mode)
    {
        if (!LabEndpoints.All.Contains(endpoint, StringComparer.OrdinalIgnoreCase))
            throw new ArgumentException($"Unknown endpoint '{endpoint}'; use one of {string.Join(", ", LabEndpoints.All)}.", nameof(endpoint));
        Endpoint = endpoint.ToLowerInvariant();
        Mode = mode;
    }

    public string Endpoint { get; }
    public FaultMode Mode { get; }
    public int StatusCode { get; init; } = 503;
    public int Count { get; init; }
    public int? RetryAfterSec { get; init; }
    public int DelayMs { get; init; } = 5000;

    internal int Used;
}

/// <summary>
/// Rules apply in the order they were added: the first rule of an endpoint that still has uses left
/// takes the request. Thread-safe: concurrent requests never over-use a counted rule.
/// </summary>
public sealed class FaultInjector
{
    private readonly List<FaultRule> _rules = new();
    private readonly object _gate = new();

    public void Add(FaultRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (rule.Count < 0) throw new ArgumentOutOfRangeException(nameof(rule), "Count must be 0 (always) or more.");
        if (rule.Mode == FaultMode.Status && (rule.StatusCode < 100 || rule.StatusCode > 599))
            throw new ArgumentOutOfRangeException(nameof(rule), "StatusCode must be an HTTP status (100-599).");
        lock (_gate) _rules.Add(rule);
    }

    public void Clear()
    {
        lock (_gate) _rules.Clear();
    }

    public IReadOnlyList<FaultRule> Rules
    {
        get { lock (_gate) return _rules.ToArray(); }
    }

    /// <summary>The rule that takes this request, counting it as used; null when the endpoint behaves.</summary>
    internal FaultRule? Take(string endpoint)
    {
        lock (_gate)
        {
            for (var i = 0; i < _rules.Count; i++)
            {
                var rule = _rules[i];
                if (!string.Equals(rule.Endpoint, endpoint, StringComparison.OrdinalIgnoreCase)) continue;
                rule.Used++;
                if (rule.Count > 0 && rule.Used >= rule.Count) _rules.RemoveAt(i);
                return rule;
            }
            return null;
        }
    }
}

public static class LabEndpoints
{
    public const string Metadata = "metadata";
    public const string Upload = "upload";
    public const string Stow = "stow";
    public const string Archive = "archive";
    public const string Analytics = "analytics";
    public const string Logs = "logs";
    public const string Other = "other";

    public static readonly IReadOnlyList<string> All = new[] { Metadata, Upload, Stow, Archive, Analytics, Logs };

    /// <summary>Which API a path belongs to.</summary>
    public static string Classify(PathString path)
    {
        var p = (path.Value ?? "").TrimEnd('/');
        if (p.Equals("/api/metadata", StringComparison.OrdinalIgnoreCase)) return Metadata;
        if (p.Equals("/api/upload", StringComparison.OrdinalIgnoreCase)) return Upload;
        if (p.Equals("/api/upload/archive", StringComparison.OrdinalIgnoreCase)) return Archive;
        if (p.Equals("/dicom-web/studies", StringComparison.OrdinalIgnoreCase)
            || p.StartsWith("/dicom-web/studies/", StringComparison.OrdinalIgnoreCase)) return Stow;
        if (p.Equals("/api/analytics", StringComparison.OrdinalIgnoreCase)) return Analytics;
        if (p.Equals("/api/logs", StringComparison.OrdinalIgnoreCase)) return Logs;
        return Other;
    }

    /// <summary>Endpoints whose bodies are files: streamed to disk, no size limit.</summary>
    public static bool TakesFiles(string endpoint) => endpoint is Upload or Stow or Archive;
}
