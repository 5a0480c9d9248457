namespace DicomTools.LabServer;

internal static class CommandLine
{
    public const string Usage =
        "usage: DicomTools.LabServer [--urls http://127.0.0.1:<port>] [--storage DIR] [--keep-storage] " +
        "[--md-key K] [--upload-key K] [--analytics-key K] [--log-key K]\n" +
        "keys may also come from LABSERVER_MD_KEY, LABSERVER_UPLOAD_KEY, LABSERVER_ANALYTICS_KEY, LABSERVER_LOG_KEY";

    /// <summary>Keys may also come from these variables, so they need not show in the process list; arguments win.</summary>
    public static readonly IReadOnlyDictionary<string, Action<LabServerKeys, string>> KeyVariables = new Dictionary<string, Action<LabServerKeys, string>>
    {
        ["LABSERVER_MD_KEY"] = (k, v) => k.MdKey = v,
        ["LABSERVER_UPLOAD_KEY"] = (k, v) => k.UploadKey = v,
        ["LABSERVER_ANALYTICS_KEY"] = (k, v) => k.AnalyticsKey = v,
        ["LABSERVER_LOG_KEY"] = (k, v) => k.LogKey = v,
    };

    public static LabServerOptions Parse(IReadOnlyList<string> args, Func<string, string?>? environment = null)
    {
        var options = new LabServerOptions();
        environment ??= Environment.GetEnvironmentVariable;
        foreach (var (name, apply) in KeyVariables)
        {
            if (environment(name) is { Length: > 0 } value) apply(options.Keys, value);
        }
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? inline = null;
            var eq = arg.IndexOf('=');
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0) { inline = arg[(eq + 1)..]; arg = arg[..eq]; }
            string Value()
            {
                if (inline != null) return inline;
                if (i + 1 >= args.Count) throw new ArgumentException($"{arg} needs a value");
                return args[++i];
            }
            switch (arg.ToLowerInvariant())
            {
                case "--urls": options.Port = ParseLoopbackUrl(Value()); break;
                case "--storage": options.StoragePath = Path.GetFullPath(Value()); break;
                case "--keep-storage": options.KeepStorage = true; break;
                case "--md-key": options.Keys.MdKey = NonEmpty(arg, Value()); break;
                case "--upload-key": options.Keys.UploadKey = NonEmpty(arg, Value()); break;
                case "--analytics-key": options.Keys.AnalyticsKey = NonEmpty(arg, Value()); break;
                case "--log-key": options.Keys.LogKey = NonEmpty(arg, Value()); break;
                default: throw new ArgumentException($"unknown argument '{arg}'");
            }
        }
        return options;
    }

    private static string NonEmpty(string name, string value) =>
        value.Length > 0 ? value : throw new ArgumentException($"{name} must not be empty");

    /// <summary>Only loopback, by design: the server has test keys and an unauthenticated admin API.</summary>
    private static int ParseLoopbackUrl(string url)
    {
        var first = url.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        if (!Uri.TryCreate(first, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
            throw new ArgumentException($"--urls must be http://127.0.0.1:<port>, not '{url}'");
        if (uri.Host is not ("127.0.0.1" or "localhost"))
            throw new ArgumentException($"--urls must bind 127.0.0.1 (loopback only), not '{uri.Host}'");
        return uri.Port;
    }
}
