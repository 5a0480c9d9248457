using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DicomTools.Engine.Http;
using DicomTools.Engine.Logging;

namespace DicomTools.Engine.Settings
{
    /// <summary>One setting: the original script's environment variable and the parameter that overrides it.</summary>
    public sealed class SettingDefinition
    {
        public SettingDefinition(string variable, string parameter, string description, bool isSecret)
        { Variable = variable; Parameter = parameter; Description = description; IsSecret = isSecret; }

        public string Variable { get; }
        public string Parameter { get; }
        public string Description { get; }
        public bool IsSecret { get; }

        public override string ToString() => Variable;
    }

    /// <summary>The settings a sample run reads, as the original script named them.</summary>
    public static class SampleRunSettings
    {
        public static readonly SettingDefinition MetadataUri = new SettingDefinition("MD_URL", "-MetadataUri", "the metadata API URL", false);
        public static readonly SettingDefinition MetadataKey = new SettingDefinition("MD_KEY", "-MetadataApiKey", "the metadata API key", true);
        public static readonly SettingDefinition UploadUri = new SettingDefinition("U_URL", "-UploadUri", "the upload API URL", false);
        public static readonly SettingDefinition UploadKey = new SettingDefinition("U_KEY", "-UploadApiKey", "the upload API key", true);
        public static readonly SettingDefinition AnalyticsUri = new SettingDefinition("A_URL", "-AnalyticsUri", "the analytics API URL", false);
        public static readonly SettingDefinition AnalyticsKey = new SettingDefinition("A_KEY", "-AnalyticsApiKey", "the analytics API key", true);
        public static readonly SettingDefinition LogLevel = new SettingDefinition("LOG_LEVEL", "-LogLevel", "the log file's level", false);
        public static readonly SettingDefinition LogUri = new SettingDefinition("LOG_URL", "-LogUri", "the URL failed runs send their log to", false);
        public static readonly SettingDefinition LogKey = new SettingDefinition("LOG_KEY", "-LogApiKey", "the log API key", true);

        public static IReadOnlyList<SettingDefinition> All { get; } = new[]
        { MetadataUri, MetadataKey, UploadUri, UploadKey, AnalyticsUri, AnalyticsKey, LogLevel, LogUri, LogKey };
    }

    public enum SettingLayer { Parameter, Environment, EnvFile }

    /// <summary>A resolved setting and where it came from (for the log: the value itself is never logged when secret).</summary>
    public sealed class SettingValue
    {
        public SettingValue(SettingDefinition definition, string value, SettingLayer source, string origin)
        { Definition = definition; Value = value; Source = source; Origin = origin; }

        public SettingDefinition Definition { get; }
        public string Value { get; }
        public SettingLayer Source { get; }
        /// <summary>"parameter -MetadataUri", "environment variable MD_URL", ".env file /path/.env".</summary>
        public string Origin { get; }

        public override string ToString() => Definition.Variable + " from " + Origin;
    }

    /// <summary>Settings that must be there and are not: names every variable and the parameter that would do.</summary>
    public sealed class MissingSettingsException : Exception
    {
        public MissingSettingsException(IReadOnlyList<SettingDefinition> missing, string? envFilePath)
            : base(BuildMessage(missing, envFilePath))
        { Missing = missing; }

        public IReadOnlyList<SettingDefinition> Missing { get; }

        private static string BuildMessage(IReadOnlyList<SettingDefinition> missing, string? envFilePath)
        {
            var items = string.Join("; ", missing.Select(m => $"{m.Description}: pass {m.Parameter} or set {m.Variable}"));
            var where = envFilePath == null
                ? "in the environment or in a .env file (-EnvFile, or ./.env)"
                : $"in the environment or in {envFilePath}";
            return $"Missing setting{(missing.Count == 1 ? "" : "s")} ({items}), {where}. Nothing was changed or sent.";
        }
    }

    /// <summary>
    /// Where settings come from, first that has it wins: a parameter, then the process environment, then the
    /// .env file. The .env layer never overrides the environment (as python-dotenv without override), and the
    /// process environment is never modified: a pwsh session stays as it was after the run. An empty
    /// environment variable counts as not set, so that a blank MD_URL= in a scheduled task's environment does
    /// not hide the .env file's value.
    /// </summary>
    public sealed class SettingsResolver : IEnvironment
    {
        private readonly Func<string, string?> _environment;
        private readonly Redactor _redactor;

        public SettingsResolver(Func<string, string?> environment, DotEnvFile envFile, Redactor? redactor = null)
        {
            _environment = environment ?? throw new ArgumentNullException(nameof(environment));
            EnvFile = envFile ?? DotEnvFile.Empty;
            _redactor = redactor ?? Redactor.Shared;
            foreach (var secret in SampleRunSettings.All.Where(s => s.IsSecret))
            {
                if (EnvFile.Values.TryGetValue(secret.Variable, out var v)) _redactor.Register(v);
            }
        }

        public DotEnvFile EnvFile { get; }

        /// <summary>
        /// The resolver for this process: <paramref name="envFilePath"/> when given (it must exist), else
        /// <c>.env</c> in <paramref name="currentDirectory"/> when there is one.
        /// </summary>
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
            return new SettingsResolver(Environment.GetEnvironmentVariable, file, redactor);
        }

        /// <summary>The environment variable, else the .env value; null when neither has it. The lookup HTTP clients fall back on.</summary>
        public string? Lookup(string variable) => Find(variable)?.Value;

        /// <summary>The HTTP core's settings seam: endpoints resolved through this see the .env layer too.</summary>
        string? IEnvironment.Get(string name)
        {
            var value = Find(name);
            if (value != null && SampleRunSettings.All.Any(d => d.IsSecret && d.Variable == name)) _redactor.Register(value.Value);
            return value?.Value;
        }

        /// <summary>The parameter's value when given, else the environment, else the .env file; null when none.</summary>
        public SettingValue? Resolve(SettingDefinition definition, string? parameterValue)
        {
            var found = !string.IsNullOrEmpty(parameterValue)
                ? new SettingValue(definition, parameterValue!, SettingLayer.Parameter, "parameter " + definition.Parameter)
                : Find(definition.Variable, definition);
            if (found != null && definition.IsSecret) _redactor.Register(found.Value);
            return found;
        }

        /// <summary>
        /// Resolves every required setting at once, so one error lists all that are missing.
        /// <paramref name="parameters"/> maps a definition to the value its parameter was given (null when not).
        /// </summary>
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
            if (missing.Count > 0) throw new MissingSettingsException(missing, EnvFile.Path);
            return result;
        }

        private SettingValue? Find(string variable, SettingDefinition? definition = null)
        {
            definition ??= SampleRunSettings.All.FirstOrDefault(d => d.Variable == variable)
                ?? new SettingDefinition(variable, "", variable, false);
            var fromEnvironment = _environment(variable);
            if (!string.IsNullOrEmpty(fromEnvironment))
                return new SettingValue(definition, fromEnvironment!, SettingLayer.Environment, "environment variable " + variable);
            if (EnvFile.Values.TryGetValue(variable, out var fromFile) && fromFile.Length > 0)
                return new SettingValue(definition, fromFile, SettingLayer.EnvFile, ".env file " + EnvFile.Path);
            return null;
        }
    }
}
