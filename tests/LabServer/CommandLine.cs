namespace DicomTools.LabServer;

internal static class CommandLine
{
    public const string Usage =
        "usage: DicomTools.LabServer [--urls http://127.0.0.1:<port>] [--storage DIR] [--keep-storage] " +
        "[--md-key K] [--upload-key K] [--analytics-key K] [--log-key K]";

    public static LabServerOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LabServerOptions();
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
