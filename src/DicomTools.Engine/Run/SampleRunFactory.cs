using System;
using System.Collections.Generic;
using DicomTools.Engine.Analytics;
using DicomTools.Engine.Http;
using DicomTools.Engine.Logging;
using DicomTools.Engine.Metadata;
using DicomTools.Engine.Settings;
using DicomTools.Engine.Upload;
using DicomTools.Engine.Upload.Protocols;

namespace DicomTools.Engine.Run
{
    /// <summary>What a caller gave for one sample run; every null is looked up in the settings (environment, .env).</summary>
    public sealed class SampleRunParameters
    {
        public SampleRunParameters(string sampleId, int attemptNumber, string directory, string logPath)
        {
            SampleId = sampleId ?? throw new ArgumentNullException(nameof(sampleId));
            AttemptNumber = attemptNumber;
            Directory = directory ?? throw new ArgumentNullException(nameof(directory));
            LogPath = logPath ?? throw new ArgumentNullException(nameof(logPath));
        }

        public string SampleId { get; }
        public int AttemptNumber { get; }
        /// <summary>Full path of the folder searched for *.dcm files.</summary>
        public string Directory { get; }
        /// <summary>Full path of the run's log file.</summary>
        public string LogPath { get; }

        public Uri? MetadataUri { get; set; }
        public ApiCredential? MetadataCredential { get; set; }
        public Uri? UploadUri { get; set; }
        public ApiCredential? UploadCredential { get; set; }
        public Uri? AnalyticsUri { get; set; }
        public ApiCredential? AnalyticsCredential { get; set; }
        public Uri? LogUri { get; set; }
        public ApiCredential? LogCredential { get; set; }
        /// <summary>The log file's level as text (DEBUG, INFO, ... or .NET names).</summary>
        public string? LogLevel { get; set; }
        /// <summary>False: never look for a log API, never send the log.</summary>
        public bool SubmitLogOnFailure { get; set; } = true;

        public HttpConnectionSettings Connection { get; set; } = HttpConnectionSettings.Default;
        /// <summary>Retries and timeout of the metadata, analytics and log calls.</summary>
        public HttpRetryOptions ApiRetry { get; set; } = new HttpRetryOptions();
        /// <summary>Retries and timeout of each upload request (a large file on a slow link takes minutes).</summary>
        public HttpRetryOptions UploadRetry { get; set; } = new HttpRetryOptions { AttemptTimeout = TimeSpan.FromSeconds(600) };

        public UploadProtocol Protocol { get; set; } = UploadProtocol.Raw;
        public bool Atomic { get; set; }
        public UploadServerKind ServerKind { get; set; } = UploadServerKind.Auto;
        /// <summary>Concurrent uploads; tagging uses at least two writers.</summary>
        public int ThrottleLimit { get; set; } = 4;
    }

    /// <summary>Every setting of a run resolved and checked, before a file is touched or a log opened.</summary>
    public sealed class ResolvedSampleRun
    {
        internal ResolvedSampleRun(SampleRunParameters parameters, EndpointSettings metadata, EndpointSettings upload,
            EndpointSettings analytics, EndpointSettings? logs, Microsoft.Extensions.Logging.LogLevel logLevel, string? envFilePath, IReadOnlyList<string> warnings)
        {
            Parameters = parameters;
            Metadata = metadata;
            Upload = upload;
            Analytics = analytics;
            Logs = logs;
            LogLevel = logLevel;
            EnvFilePath = envFilePath;
            Warnings = warnings;
        }

        public SampleRunParameters Parameters { get; }
        public EndpointSettings Metadata { get; }
        public EndpointSettings Upload { get; }
        public EndpointSettings Analytics { get; }
        /// <summary>Null when the log is not to be sent (no LOG_URL, no key, or the caller said so).</summary>
        public EndpointSettings? Logs { get; }
        public Microsoft.Extensions.Logging.LogLevel LogLevel { get; }
        /// <summary>The .env file settings were read from, when there was one.</summary>
        public string? EnvFilePath { get; }
        /// <summary>What the caller should show as warnings (LOG_URL without LOG_KEY).</summary>
        public IReadOnlyList<string> Warnings { get; }

        public IEnumerable<EndpointSettings> Endpoints
        {
            get
            {
                yield return Metadata;
                yield return Upload;
                yield return Analytics;
                if (Logs != null) yield return Logs;
            }
        }

        /// <summary>"The metadata API is http://... (MD_URL from .env file /x/.env), with API key in header 'x-api-key'".</summary>
        public static string Describe(EndpointSettings endpoint) =>
            endpoint.IsDimse
                ? $"The {endpoint.Api.Name} archive is DICOM C-STORE to {DimseArchiveUri.ToOptions(endpoint.Uri)} ("
                    + (endpoint.UriOrigin == null ? "parameter" : endpoint.UriOrigin.ToString())
                    + $"); {endpoint.Api.KeyVariable} is not used: a DICOM association carries no credential"
                : $"The {endpoint.Api.Name} API is {UriRedaction.Redact(endpoint.Uri)} ("
            + (endpoint.UriOrigin == null ? "parameter" : endpoint.UriOrigin.ToString())
            + $"), with {endpoint.Credential}";
    }

    /// <summary>A run ready to start, and the HTTP executors it owns.</summary>
    public sealed class PreparedSampleRun : IDisposable
    {
        private readonly IReadOnlyList<IDisposable> _owned;

        internal PreparedSampleRun(SampleRun run, EngineSampleRunSteps steps, SampleRunRequest request, IReadOnlyList<IDisposable> owned)
        {
            Run = run;
            Steps = steps;
            Request = request;
            _owned = owned;
        }

        public SampleRun Run { get; }
        public EngineSampleRunSteps Steps { get; }
        public SampleRunRequest Request { get; }

        public void Dispose()
        {
            for (var i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
        }
    }

    /// <summary>
    /// The one place a sample run is wired: settings resolved through the layers (parameter, environment, .env),
    /// then the metadata, upload, analytics and log clients built on executors with the caller's retry and
    /// connection settings. Errors name settings (<see cref="SettingDefinition"/>), never a cmdlet's parameters.
    /// </summary>
    public static class SampleRunFactory
    {
        /// <summary>Resolves every setting of the run; all missing ones are named in one exception.</summary>
        /// <exception cref="MissingSettingsException">Required settings are nowhere.</exception>
        /// <exception cref="InvalidSettingException">A URL or the log level is unusable.</exception>
        /// <exception cref="ArgumentException">The parameters contradict each other (an all-or-nothing upload with Raw, or an HTTP protocol with a dicom:// archive).</exception>
        public static ResolvedSampleRun Resolve(SampleRunParameters parameters, SettingsResolver settings)
        {
            if (parameters == null) throw new ArgumentNullException(nameof(parameters));
            if (settings == null) throw new ArgumentNullException(nameof(settings));
            if (parameters.Atomic && parameters.Protocol == UploadProtocol.Raw)
                throw new ArgumentException("Atomic uploads send every file in one request: use the Archive or StowRs protocol, not Raw.", nameof(parameters));

            // The .env file's own parse warnings are the reader's to show (it shows them once, whoever resolves).
            var warnings = new List<string>();

            var missing = new List<SettingDefinition>();
            var metadata = EndpointSettings.TryResolve(ApiEndpoint.Metadata, parameters.MetadataUri, parameters.MetadataCredential, null, settings, missing);
            var upload = EndpointSettings.TryResolve(ApiEndpoint.Upload, parameters.UploadUri, parameters.UploadCredential, null, settings, missing);
            var analytics = EndpointSettings.TryResolve(ApiEndpoint.Analytics, parameters.AnalyticsUri, parameters.AnalyticsCredential, null, settings, missing);
            if (missing.Count > 0) throw settings.Missing(missing);
            if (upload!.IsDimse && (parameters.Atomic || (parameters.Protocol != UploadProtocol.Raw && parameters.Protocol != UploadProtocol.Dimse)))
                throw new ArgumentException($"{LabSettings.UploadUri.Variable} names a DICOM archive (dicom://), which takes C-STORE only: "
                    + (parameters.Protocol != UploadProtocol.Raw && parameters.Protocol != UploadProtocol.Dimse ? $"the {parameters.Protocol} protocol cannot be used with it" : string.Empty)
                    + (parameters.Atomic ? (parameters.Protocol != UploadProtocol.Raw && parameters.Protocol != UploadProtocol.Dimse ? ", nor " : string.Empty)
                        + "an all-or-nothing upload (DIMSE has no such request)" : string.Empty)
                    + ". Upload over C-STORE, or give an http(s) upload URL.", nameof(parameters));

            var level = Microsoft.Extensions.Logging.LogLevel.Information;
            var levelSetting = settings.Resolve(LabSettings.LogLevel, parameters.LogLevel);
            if (levelSetting != null && !LogLevels.TryParse(levelSetting.Value, out level))
                throw new InvalidSettingException(levelSetting, $"'{levelSetting.Value}' from {InvalidSettingException.OriginPlaceholder} is not a log level; use one of {LogLevels.AcceptedNames}.");

            var logs = parameters.SubmitLogOnFailure ? ResolveLogEndpoint(parameters, settings, warnings) : null;
            return new ResolvedSampleRun(parameters, metadata!, upload!, analytics!, logs, level, settings.EnvFile.Path, warnings);
        }

        /// <summary>The log API when its URL is set; a URL without a key is a warning, not a failure of the run.</summary>
        private static EndpointSettings? ResolveLogEndpoint(SampleRunParameters parameters, SettingsResolver settings, List<string> warnings)
        {
            var uri = parameters.LogUri != null ? null : settings.Resolve(LabSettings.LogUri, null);
            if (parameters.LogUri == null && uri == null) return null;
            var missing = new List<SettingDefinition>();
            var endpoint = EndpointSettings.TryResolve(ApiEndpoint.Logs, parameters.LogUri, parameters.LogCredential, null, settings, missing);
            if (endpoint == null)
            {
                var from = uri == null ? "given" : "set (" + uri.Origin + ")";
                warnings.Add($"{LabSettings.LogUri.Variable} is {from} but {LabSettings.LogKey.Variable} is not: a failed run cannot send its log.");
            }
            return endpoint;
        }

        /// <summary>The archive of a dicom:// U_URL; the upload timeout bounds waiting for one file's answer, not connecting.</summary>
        private static DicomTools.Dicom.Network.DicomAssociationOptions DimseOptions(Uri uri, HttpRetryOptions retry)
        {
            var options = DimseArchiveUri.ToOptions(uri);
            options.ReadTimeout = options.WriteTimeout = retry.AttemptTimeout;
            return options;
        }

        /// <summary>Wires the run: executors, clients, upload options and steps, logging to <paramref name="logs"/>.</summary>
        public static PreparedSampleRun Create(ResolvedSampleRun resolved, QueueLoggerProvider logs, Redactor? redactor = null)
        {
            if (resolved == null) throw new ArgumentNullException(nameof(resolved));
            if (logs == null) throw new ArgumentNullException(nameof(logs));
            redactor ??= new Redactor();
            var p = resolved.Parameters;
            var owned = new List<IDisposable>();
            try
            {
                var apiExecutor = HttpExecutor.Create(p.Connection, p.ApiRetry, logs);
                owned.Add(apiExecutor);
                var uploadExecutor = HttpExecutor.Create(p.Connection, p.UploadRetry, logs);
                owned.Add(uploadExecutor);
                var uploadOptions = new UploadOptions(resolved.Upload.Uri)
                {
                    Protocol = resolved.Upload.IsDimse ? UploadProtocol.Dimse : p.Protocol,
                    Dimse = resolved.Upload.IsDimse ? DimseOptions(resolved.Upload.Uri, p.UploadRetry) : null,
                    Retry = resolved.Upload.IsDimse ? p.UploadRetry : null,
                    Atomic = p.Atomic,
                    ThrottleLimit = p.ThrottleLimit,
                    ServerKind = p.ServerKind,
                };
                var steps = new EngineSampleRunSteps(
                    new MetadataClient(apiExecutor, resolved.Metadata),
                    new AnalyticsClient(apiExecutor, resolved.Analytics),
                    uploadOptions,
                    new HttpExecutorUploadSender(uploadExecutor, resolved.Upload.Credential),
                    resolved.Logs == null ? null : new LogSubmitter(apiExecutor, resolved.Logs),
                    new SampleRunStepOptions { TagThrottleLimit = Math.Max(p.ThrottleLimit, 2) },
                    logs);
                var request = new SampleRunRequest(p.SampleId, p.AttemptNumber, p.Directory)
                {
                    LogPath = p.LogPath,
                    SubmitLogOnFailure = p.SubmitLogOnFailure,
                };
                return new PreparedSampleRun(new SampleRun(steps, logs, redactor), steps, request, owned);
            }
            catch
            {
                foreach (var d in owned) d.Dispose();
                throw;
            }
        }
    }
}
