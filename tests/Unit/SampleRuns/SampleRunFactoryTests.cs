using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Engine.Http;
using DicomTools.Engine.Logging;
using DicomTools.Engine.Run;
using DicomTools.Engine.Settings;
using DicomTools.Engine.Upload;
using DicomTools.LabServer;
using DicomTools.Tests.Unit.LabServer;
using Xunit;

namespace DicomTools.Tests.Unit.SampleRuns
{
    /// <summary>The Engine resolves a run's settings through the layers and wires the run; cmdlets only phrase and show.</summary>
    public sealed class SampleRunFactoryTests : IDisposable
    {
        private readonly string _folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "factory-" + Guid.NewGuid().ToString("N"))).FullName;

        public void Dispose()
        {
            try { Directory.Delete(_folder, true); } catch (IOException) { }
        }

        private SampleRunParameters Parameters(Action<SampleRunParameters>? configure = null)
        {
            var p = new SampleRunParameters("ref0000022tes-cbc", 1, Path.Combine(_folder, "data"), Path.Combine(_folder, "run.log"));
            configure?.Invoke(p);
            return p;
        }

        private static SettingsResolver Settings(Dictionary<string, string> environment, string dotenv = "") =>
            new SettingsResolver(n => environment.TryGetValue(n, out var v) ? v : null,
                DotEnvFile.Parse(dotenv, _ => null, "/labs/north.env"), new Redactor());

        private static readonly Dictionary<string, string> Complete = new Dictionary<string, string>
        {
            ["MD_URL"] = "http://md.example/api/metadata", ["MD_KEY"] = "md-key-1234",
            ["U_URL"] = "http://up.example/api/upload", ["U_KEY"] = "up-key-1234",
            ["A_URL"] = "http://an.example/api/analytics", ["A_KEY"] = "an-key-1234",
        };

        [Fact]
        public void EveryMissingSettingOfEveryApiIsNamedInOneException_ByVariableOnly()
        {
            var settings = Settings(new Dictionary<string, string> { ["MD_URL"] = "http://md.example/" }, "U_KEY=up-key-1234\n");
            var ex = Assert.Throws<MissingSettingsException>(() => SampleRunFactory.Resolve(Parameters(), settings));

            Assert.Equal(new[] { "MD_KEY", "U_URL", "A_URL", "A_KEY" }, ex.Missing.Select(m => m.Variable));
            Assert.Equal("/labs/north.env", ex.EnvFilePath);
            Assert.DoesNotContain("-MetadataApiKey", ex.Message);
            Assert.DoesNotContain("-UploadUri", ex.Message);
        }

        [Fact]
        public void ParametersBeatTheEnvironmentWhichBeatsTheEnvFile()
        {
            var settings = Settings(new Dictionary<string, string>(Complete) { ["MD_URL"] = "" },
                "MD_URL=http://from-file.example/md\nA_URL=http://from-file.example/an\n");
            var resolved = SampleRunFactory.Resolve(Parameters(p => p.AnalyticsUri = new Uri("http://param.example/an")), settings);

            Assert.Equal("from-file.example", resolved.Metadata.Uri.Host);
            Assert.Equal(SettingLayer.EnvFile, resolved.Metadata.UriSource);
            Assert.Equal("/labs/north.env", resolved.Metadata.UriOrigin!.EnvFilePath);
            Assert.Equal("up.example", resolved.Upload.Uri.Host);
            Assert.Equal(SettingLayer.Environment, resolved.Upload.UriSource);
            Assert.Equal("param.example", resolved.Analytics.Uri.Host);
            Assert.Equal(SettingLayer.Parameter, resolved.Analytics.UriSource);
            Assert.Contains("(MD_URL from .env file /labs/north.env)", ResolvedSampleRun.Describe(resolved.Metadata));
            Assert.Equal("/labs/north.env", resolved.EnvFilePath);
        }

        [Fact]
        public void ALogUrlWithoutAKeyIsAWarning_AndNoLogSubmissionLooksForNeither()
        {
            var withUrl = Settings(new Dictionary<string, string>(Complete) { ["LOG_URL"] = "http://logs.example/" });
            var resolved = SampleRunFactory.Resolve(Parameters(), withUrl);
            Assert.Null(resolved.Logs);
            var warning = Assert.Single(resolved.Warnings);
            Assert.Contains("LOG_URL is set (environment variable LOG_URL) but LOG_KEY is not", warning);

            var quiet = SampleRunFactory.Resolve(Parameters(p => p.SubmitLogOnFailure = false), withUrl);
            Assert.Null(quiet.Logs);
            Assert.Empty(quiet.Warnings);

            var complete = SampleRunFactory.Resolve(Parameters(), Settings(new Dictionary<string, string>(Complete) { ["LOG_URL"] = "http://logs.example/", ["LOG_KEY"] = "lg-key-1234" }));
            Assert.Equal("logs.example", complete.Logs!.Uri.Host);
            Assert.Equal(4, complete.Endpoints.Count());
        }

        [Fact]
        public void AnUnknownLogLevelIsAnInvalidSetting_ThatACmdletCanPhraseWithItsParameter()
        {
            var fromEnvironment = Assert.Throws<InvalidSettingException>(() =>
                SampleRunFactory.Resolve(Parameters(), Settings(new Dictionary<string, string>(Complete) { ["LOG_LEVEL"] = "LOUD" })));
            Assert.Same(LabSettings.LogLevel, fromEnvironment.Setting);
            Assert.StartsWith("'LOUD' from environment variable LOG_LEVEL is not a log level", fromEnvironment.Message);

            var fromParameter = Assert.Throws<InvalidSettingException>(() =>
                SampleRunFactory.Resolve(Parameters(p => p.LogLevel = "LOUD"), Settings(Complete)));
            Assert.Equal(SettingLayer.Parameter, fromParameter.Layer);
            Assert.StartsWith("'LOUD' from -LogLevel is not a log level", fromParameter.MessageFor("-LogLevel"));

            Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Debug, SampleRunFactory.Resolve(Parameters(p => p.LogLevel = "DEBUG"), Settings(Complete)).LogLevel);
        }

        [Fact]
        public void AnAtomicRawUploadIsRefusedBeforeAnythingIsResolved()
        {
            var ex = Assert.Throws<ArgumentException>(() => SampleRunFactory.Resolve(
                Parameters(p => { p.Atomic = true; p.Protocol = UploadProtocol.Raw; }), Settings(new Dictionary<string, string>())));
            Assert.Contains("Archive or StowRs", ex.Message);
        }

        [Fact]
        public async Task TheRunItWiresTagsUploadsAndStartsAnalyticsAgainstTheLabServer()
        {
            await using var server = await LabServerHost.StartAsync(new LabServerOptions());
            var keys = new LabServerKeys();
            var data = Directory.CreateDirectory(Path.Combine(_folder, "data")).FullName;
            for (var i = 1; i <= 2; i++) TestDicom.Instance(900 + i, "OLD-ID").WriteTo(data, $"img{i}.dcm");
            var dotenv = string.Join("\n",
                $"MD_URL={server.BaseAddress}api/metadata", $"MD_KEY={keys.MdKey}",
                $"U_URL={server.BaseAddress}api/upload", $"U_KEY={keys.UploadKey}",
                $"A_URL={server.BaseAddress}api/analytics", $"A_KEY={keys.AnalyticsKey}") + "\n";
            var resolved = SampleRunFactory.Resolve(Parameters(p => p.SubmitLogOnFailure = false), Settings(new Dictionary<string, string>(), dotenv));
            var log = new QueueLoggerProvider();

            using var prepared = SampleRunFactory.Create(resolved, log);
            var result = await prepared.Run.RunAsync(prepared.Request, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

            Assert.True(result.Succeeded, result.FailureMessage);
            Assert.Equal(2, result.Uploaded);
            Assert.True(result.AnalyticsStarted);
            Assert.Equal("ref0000022tes-cbc-001", result.PatientId);
            Assert.Equal(Path.Combine(_folder, "run.log"), prepared.Request.LogPath);
            Assert.False(prepared.Steps.CanSubmitLog);
            Assert.Single(server.Journal.For(LabEndpoints.Analytics));
        }
    }
}
