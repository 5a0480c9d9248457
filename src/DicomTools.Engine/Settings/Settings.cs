using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DicomTools.Engine.Logging;

namespace DicomTools.Engine.Settings
{
    /// <summary>
    /// One setting's identity: the original script's environment variable and what it is for. Which parameter of
    /// which cmdlet sets it is the cmdlet layer's business; the Engine names a setting by this object only.
    /// </summary>
    public sealed class SettingDefinition
    {
        public SettingDefinition(string variable, string description, bool isSecret)
        {
            Variable = variable ?? throw new ArgumentNullException(nameof(variable));
            Description = description ?? throw new ArgumentNullException(nameof(description));
            IsSecret = isSecret;
        }

        public string Variable { get; }
        /// <summary>"the metadata API URL": what a message calls it.</summary>
        public string Description { get; }
        public bool IsSecret { get; }

        public override string ToString() => Variable;
    }

    /// <summary>Every setting the module reads, as the original script named them.</summary>
    public static class LabSettings
    {
        public static readonly SettingDefinition MetadataUri = new SettingDefinition("MD_URL", "the metadata API URL", false);
        public static readonly SettingDefinition MetadataKey = new SettingDefinition("MD_KEY", "the metadata API key", true);
        public static readonly SettingDefinition UploadUri = new SettingDefinition("U_URL", "the upload API URL", false);
        public static readonly SettingDefinition UploadKey = new SettingDefinition("U_KEY", "the upload API key", true);
        public static readonly SettingDefinition AnalyticsUri = new SettingDefinition("A_URL", "the analytics API URL", false);
        public static readonly SettingDefinition AnalyticsKey = new SettingDefinition("A_KEY", "the analytics API key", true);
        public static readonly SettingDefinition LogLevel = new SettingDefinition("LOG_LEVEL", "the log file's level", false);
        public static readonly SettingDefinition LogUri = new SettingDefinition("LOG_URL", "the log API URL", false);
        public static readonly SettingDefinition LogKey = new SettingDefinition("LOG_KEY", "the log API key", true);

        public static IReadOnlyList<SettingDefinition> All { get; } = new[]
        { MetadataUri, MetadataKey, UploadUri, UploadKey, AnalyticsUri, AnalyticsKey, LogLevel, LogUri, LogKey };

        /// <summary>The definition of <paramref name="variable"/>, or a plain (non-secret) one for a variable we do not know.</summary>
        public static SettingDefinition For(string variable) =>
            All.FirstOrDefault(d => d.Variable == variable) ?? new SettingDefinition(variable, variable, false);
    }

    /// <summary>Where a resolved setting came from, first that has it wins.</summary>
    public enum SettingLayer { Parameter, Environment, EnvFile }

    /// <summary>A resolved setting and where it came from (for the log: the value itself is never logged when secret).</summary>
    public sealed class SettingValue
    {
        public SettingValue(SettingDefinition definition, string value, SettingLayer layer, string? envFilePath = null)
        {
            Definition = definition ?? throw new ArgumentNullException(nameof(definition));
            Value = value ?? throw new ArgumentNullException(nameof(value));
            Layer = layer;
            EnvFilePath = envFilePath;
        }

        public SettingDefinition Definition { get; }
        public string Value { get; }
        public SettingLayer Layer { get; }
        /// <summary>The .env file it was read from, when <see cref="Layer"/> is <see cref="SettingLayer.EnvFile"/>.</summary>
        public string? EnvFilePath { get; }

        /// <summary>"a parameter", "environment variable MD_URL", ".env file /path/.env" (no parameter names: the cmdlet adds those).</summary>
        public string Origin => DescribeOrigin(Definition, Layer, EnvFilePath);

        internal static string DescribeOrigin(SettingDefinition definition, SettingLayer layer, string? envFilePath) => layer switch
        {
            SettingLayer.Parameter => "a parameter",
            SettingLayer.Environment => "environment variable " + definition.Variable,
            _ => ".env file " + (envFilePath ?? "(unnamed)"),
        };

        public override string ToString() => Definition.Variable + " from " + Origin;
    }

    /// <summary>Settings that must be there and are not, all at once so that one error names every one.</summary>
    public sealed class MissingSettingsException : Exception
    {
        public MissingSettingsException(IReadOnlyList<SettingDefinition> missing, string? envFilePath)
            : base(BuildMessage(missing, envFilePath))
        {
            Missing = missing;
            EnvFilePath = envFilePath;
        }

        public IReadOnlyList<SettingDefinition> Missing { get; }

        /// <summary>The .env file that was read (null when there was none).</summary>
        public string? EnvFilePath { get; }

        private static string BuildMessage(IReadOnlyList<SettingDefinition> missing, string? envFilePath)
        {
            if (missing == null || missing.Count == 0) throw new ArgumentException("No setting is missing.", nameof(missing));
            var items = string.Join("; ", missing.Select(m => $"{m.Description} ({m.Variable})"));
            var where = envFilePath == null ? "in the environment or in a .env file" : $"in the environment or in {envFilePath}";
            return $"Missing setting{(missing.Count == 1 ? "" : "s")}: {items}; not given and not found {where}.";
        }
    }

    /// <summary>A setting that is there but unusable (a URL that is not http(s), a level that is not a level).</summary>
    public sealed class InvalidSettingException : ArgumentException
    {
        public const string OriginPlaceholder = "{origin}";

        /// <param name="template">The message with <see cref="OriginPlaceholder"/> where the setting's origin goes, e.g. "{origin} must be an absolute http:// or https:// URL".</param>
        public InvalidSettingException(SettingValue value, string template)
            : base((template ?? throw new ArgumentNullException(nameof(template))).Replace(OriginPlaceholder, value.Origin))
        {
            Setting = value.Definition;
            Layer = value.Layer;
            MessageTemplate = template;
        }

        public SettingDefinition Setting { get; }
        public SettingLayer Layer { get; }

        /// <summary>The message with <see cref="OriginPlaceholder"/> in it, so that a cmdlet can put its own parameter's name there.</summary>
        public string MessageTemplate { get; }

        /// <summary>The message with <paramref name="origin"/> (e.g. "-Uri") where the origin goes.</summary>
        public string MessageFor(string origin) => MessageTemplate.Replace(OriginPlaceholder, origin);
    }

    /// <summary>
    /// Where settings come from, first that has it wins: a parameter, then the process environment, then the
    /// .env file. The .env layer never overrides the environment (as python-dotenv without override), and the
    /// process environment is never modified: a pwsh session stays as it was after the run. An empty
    /// environment variable counts as not set, so that a blank MD_URL= in a scheduled task's environment does
    /// not hide the .env file's value.
    /// </summary>
    public sealed class SettingsResolver
    {
        private readonly Func<string, string?> _environment;
        private readonly Redactor _redactor;

        public SettingsResolver(Func<string, string?> environment, DotEnvFile envFile, Redactor? redactor = null)
        {
            _environment = environment ?? throw new ArgumentNullException(nameof(environment));
            EnvFile = envFile ?? DotEnvFile.Empty;
            _redactor = redactor ?? new Redactor();
            foreach (var secret in LabSettings.All.Where(s => s.IsSecret))
            {
                if (EnvFile.Values.TryGetValue(secret.Variable, out var v)) _redactor.Register(v);
            }
        }

        /// <summary>The process environment alone, no .env file.</summary>
        public static SettingsResolver EnvironmentOnly(Redactor? redactor = null) =>
            new SettingsResolver(System.Environment.GetEnvironmentVariable, DotEnvFile.Empty, redactor);

        public DotEnvFile EnvFile { get; }

        /// <summary>
        /// The resolver for this process: <paramref name="envFilePath"/> when given (it must exist), else
        /// <c>.env</c> in <paramref name="currentDirectory"/> when there is one.
        /// </summary>
        /// <exception cref="FileNotFoundException">The named .env file does not exist.</exception>
        public static SettingsResolver ForProcess(string? envFilePath, string currentDirectory, Redactor? redactor = null)
        {
            DotEnvFile file;
            if (!string.IsNullOrEmpty(envFilePath))
            {
                if (!File.Exists(envFilePath)) throw new FileNotFoundException($"The .env file '{envFilePath}' does not exist.", envFilePath);
                file = DotEnvFile.Load(envFilePath!);
            }
            else
            {
                var fallback = Path.Combine(currentDirectory, ".env");
                file = File.Exists(fallback) ? DotEnvFile.Load(fallback) : DotEnvFile.Empty;
            }
            return new SettingsResolver(System.Environment.GetEnvironmentVariable, file, redactor);
        }

        /// <summary>The environment variable, else the .env value; null when neither has it.</summary>
        public string? Lookup(string variable) => Find(LabSettings.For(variable))?.Value;

        /// <summary>The parameter's value when given, else the environment, else the .env file; null when none.</summary>
        public SettingValue? Resolve(SettingDefinition definition, string? parameterValue)
        {
            if (definition == null) throw new ArgumentNullException(nameof(definition));
            var found = !string.IsNullOrEmpty(parameterValue)
                ? new SettingValue(definition, parameterValue!, SettingLayer.Parameter)
                : Find(definition);
            if (found != null && definition.IsSecret) _redactor.Register(found.Value);
            return found;
        }

        /// <summary>
        /// Resolves every required setting at once, so one error lists all that are missing.
        /// <paramref name="parameters"/> maps a definition to the value its parameter was given (null when not).
        /// </summary>
        /// <exception cref="MissingSettingsException">One or more settings are nowhere.</exception>
        public IReadOnlyDictionary<SettingDefinition, SettingValue> Require(
            IEnumerable<SettingDefinition> required, Func<SettingDefinition, string?> parameters)
        {
            var result = new Dictionary<SettingDefinition, SettingValue>();
            var missing = new List<SettingDefinition>();
            foreach (var definition in required)
            {
                var value = Resolve(definition, parameters(definition));
                if (value == null) missing.Add(definition); else result[definition] = value;
            }
            if (missing.Count > 0) throw Missing(missing);
            return result;
        }

        /// <summary>The exception for <paramref name="missing"/>, saying where this resolver looked.</summary>
        public MissingSettingsException Missing(IReadOnlyList<SettingDefinition> missing) => new MissingSettingsException(missing, EnvFile.Path);

        private SettingValue? Find(SettingDefinition definition)
        {
            var fromEnvironment = _environment(definition.Variable);
            if (!string.IsNullOrEmpty(fromEnvironment))
                return new SettingValue(definition, fromEnvironment!, SettingLayer.Environment);
            if (EnvFile.Values.TryGetValue(definition.Variable, out var fromFile) && fromFile.Length > 0)
                return new SettingValue(definition, fromFile, SettingLayer.EnvFile, EnvFile.Path);
            return null;
        }
    }
}
