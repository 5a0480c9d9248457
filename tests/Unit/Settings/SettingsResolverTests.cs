using System;
using System.Collections.Generic;
using System.IO;
using DicomTools.Engine.Logging;
using DicomTools.Engine.Settings;
using Xunit;

namespace DicomTools.Tests.Unit.Settings
{
    public class SettingsResolverTests
    {
        private static SettingsResolver Resolver(Dictionary<string, string> env, string dotenv, Redactor? redactor = null) =>
            new SettingsResolver(n => env.TryGetValue(n, out var v) ? v : null,
                DotEnvFile.Parse(dotenv, _ => null, "/cfg/.env"), redactor ?? new Redactor());

        [Fact]
        public void ParameterBeatsEnvironmentBeatsEnvFile()
        {
            var resolver = Resolver(new Dictionary<string, string> { ["MD_URL"] = "http://env", ["U_URL"] = "http://env-u" },
                "MD_URL=http://file\nU_URL=http://file-u\nA_URL=http://file-a\n");

            var md = resolver.Resolve(LabSettings.MetadataUri, "http://param")!;
            Assert.Equal(("http://param", SettingLayer.Parameter), (md.Value, md.Layer));
            var u = resolver.Resolve(LabSettings.UploadUri, null)!;
            Assert.Equal(("http://env-u", SettingLayer.Environment), (u.Value, u.Layer));
            var a = resolver.Resolve(LabSettings.AnalyticsUri, null)!;
            Assert.Equal(("http://file-a", SettingLayer.EnvFile), (a.Value, a.Layer));
            Assert.Equal(".env file /cfg/.env", a.Origin);
            Assert.Null(resolver.Resolve(LabSettings.LogUri, null));
        }

        [Fact]
        public void AnEmptyEnvironmentVariableDoesNotHideTheFile()
        {
            var resolver = Resolver(new Dictionary<string, string> { ["MD_KEY"] = "" }, "MD_KEY=from-file\n");
            Assert.Equal("from-file", resolver.Lookup("MD_KEY"));
        }

        [Fact]
        public void MissingSettingsAreAllNamedByVariable_TheCmdletAddsItsParameters()
        {
            var resolver = Resolver(new Dictionary<string, string> { ["MD_URL"] = "http://md" }, "U_URL=http://u\n");
            var ex = Assert.Throws<MissingSettingsException>(() => resolver.Require(
                new[] { LabSettings.MetadataUri, LabSettings.MetadataKey, LabSettings.UploadUri, LabSettings.UploadKey },
                _ => null));
            Assert.Equal(new[] { LabSettings.MetadataKey, LabSettings.UploadKey }, ex.Missing);
            Assert.Contains("MD_KEY", ex.Message);
            Assert.Contains("the metadata API key", ex.Message);
            Assert.Contains("U_KEY", ex.Message);
            Assert.DoesNotContain("-MetadataApiKey", ex.Message);
            Assert.DoesNotContain("-UploadApiKey", ex.Message);
            Assert.Contains("/cfg/.env", ex.Message);
            Assert.DoesNotContain("MD_URL", ex.Message);
        }

        [Fact]
        public void SecretsFromAnySourceAreRegisteredForRedaction()
        {
            var redactor = new Redactor();
            var resolver = Resolver(new Dictionary<string, string> { ["U_KEY"] = "env-secret-42" }, "A_KEY=file-secret-43\n", redactor);
            resolver.Resolve(LabSettings.MetadataKey, "param-secret-41");
            resolver.Resolve(LabSettings.UploadKey, null);
            var text = redactor.Redact("param-secret-41 env-secret-42 file-secret-43 http://md");
            Assert.Equal("*** *** *** http://md", text);
        }

        [Fact]
        public void AnExplicitEnvFileMustExist()
        {
            var ex = Assert.Throws<FileNotFoundException>(() =>
                SettingsResolver.ForProcess("/definitely/not/here.env", Path.GetTempPath(), new Redactor()));
            Assert.Contains("/definitely/not/here.env", ex.Message);
        }

        [Fact]
        public void TheDefaultEnvFileIsDotEnvInTheCurrentFolder()
        {
            var folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "settings-" + Guid.NewGuid().ToString("N"))).FullName;
            try
            {
                File.WriteAllText(Path.Combine(folder, ".env"), "DICOMTOOLS_TEST_ONLY_VAR=from-dot-env\n");
                var resolver = SettingsResolver.ForProcess(null, folder, new Redactor());
                Assert.Equal("from-dot-env", resolver.Lookup("DICOMTOOLS_TEST_ONLY_VAR"));
                Assert.Null(Environment.GetEnvironmentVariable("DICOMTOOLS_TEST_ONLY_VAR"));
            }
            finally { Directory.Delete(folder, true); }
        }
    }
}
