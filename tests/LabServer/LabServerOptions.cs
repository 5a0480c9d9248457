namespace DicomTools.LabServer;

/// <summary>The four keys the server checks. Defaults are the contract's well-known test keys.</summary>
public sealed class LabServerKeys
{
    public string MdKey { get; set; } = "md-test-key";
    public string UploadKey { get; set; } = "upload-test-key";
    public string AnalyticsKey { get; set; } = "analytics-test-key";
    public string LogKey { get; set; } = "log-test-key";
}

public sealed class LabServerOptions
{
    /// <summary>Loopback port to bind; 0 picks a free one (the real address is <see cref="LabServerHost.BaseAddress"/>).</summary>
    public int Port { get; set; }

    /// <summary>Where received files go. Null: a new temporary folder, deleted when the server stops.</summary>
    public string? StoragePath { get; set; }

    public LabServerKeys Keys { get; set; } = new();

    /// <summary>Keep a temporary storage folder after the server stops (for looking at it by hand).</summary>
    public bool KeepStorage { get; set; }

    /// <summary>How uploaded files are read; tests may swap it.</summary>
    internal IInstanceReader? InstanceReader { get; set; }
}
