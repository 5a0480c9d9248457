using System;
using System.Collections.Generic;
using System.IO;
using DicomTools.Engine.Http;
using DicomTools.Engine.Logging;
using DicomTools.Engine.Run;
using DicomTools.Engine.Settings;
using DicomTools.Engine.Upload;
using DicomTools.Engine.Upload.Protocols;
using Xunit;

namespace DicomTools.Tests.Unit.Network
{
    /// <summary>U_URL may name a DIMSE archive (dicom://CALLED@host:port); the other APIs stay HTTP.</summary>
    public sealed class DimseSampleRunSettingsTests
    {
        private static SampleRunParameters Parameters(Action<SampleRunParameters>? configure = null)
        {
            var folder = Path.Combine(Path.GetTempPath(), "dimse-settings");
            var p = new SampleRunParameters("ref0000022tes-cbc", 1, Path.Combine(folder, "data"), Path.Combine(folder, "run.log"));
            configure?.Invoke(p);
            return p;
        }

        private static SettingsResolver Settings(Dictionary<string, string> environment) =>
            new SettingsResolver(n => environment.TryGetValue(n, out var v) ? v : null, DotEnvFile.Parse(string.Empty, _ => null, "/labs/north.env"), new Redactor());

        private static Dictionary<string, string> Environment(string uploadUrl, string? uploadKey = null)
        {
            var env = new Dictionary<string, string>
            {
                ["MD_URL"] = "http://md.example/api/metadata", ["MD_KEY"] = "md-key-1234",
                ["U_URL"] = uploadUrl,
                ["A_URL"] = "http://an.example/api/analytics", ["A_KEY"] = "an-key-1234",
            };
            if (uploadKey != null) env["U_KEY"] = uploadKey;
            return env;
        }

        [Fact]
        public void DicomUploadUrlNeedsNoKey_AndTheDescriptionSaysTheKeyIsUnusedWithoutShowingIt()
        {
            var withoutKey = SampleRunFactory.Resolve(Parameters(), Settings(Environment("dicom://ORTHANC@127.0.0.1:4242")));
            Assert.True(withoutKey.Upload.IsDimse);
            Assert.Equal(ApiCredentialKind.None, withoutKey.Upload.Credential.Kind);

            var withKey = SampleRunFactory.Resolve(Parameters(), Settings(Environment("dicom://ORTHANC@127.0.0.1:4242", "u-secret-5678")));
            var line = ResolvedSampleRun.Describe(withKey.Upload);
            Assert.Contains("DICOM C-STORE to ORTHANC@127.0.0.1:4242", line);
            Assert.Contains("U_KEY is not used", line);
            Assert.DoesNotContain("u-secret-5678", line);
            Assert.Equal(ApiCredentialKind.None, withKey.Upload.Credential.Kind);
        }

        [Fact]
        public void CallingTitleAndDefaultPortComeFromTheUri()
        {
            var options = DimseArchiveUri.ToOptions(new Uri("dicom://LAB7:PACS@pacs.example"));
            Assert.Equal(("LAB7", "PACS", "pacs.example", 104), (options.CallingAETitle, options.CalledAETitle, options.Host, options.Port));
        }

        [Theory]
        [InlineData("MD_URL")]
        [InlineData("A_URL")]
        public void OtherApisRefuseDicomUrls(string variable)
        {
            var env = Environment("http://up.example/api/upload", "u-key");
            env[variable] = "dicom://ORTHANC@127.0.0.1:4242";
            var ex = Assert.Throws<InvalidSettingException>(() => SampleRunFactory.Resolve(Parameters(), Settings(env)));
            Assert.Contains("http://", ex.Message);
            Assert.Contains(variable, ex.Message);
        }

        [Theory]
        [InlineData("dicom://127.0.0.1:4242", "no called AE title")]
        [InlineData("dicom://MUCH-TOO-LONG-AE-TITLE@127.0.0.1:4242", "MUCH-TOO-LONG-AE-TITLE")]
        public void UnusableDicomUrlIsAnInvalidSettingNamingTheProblem(string url, string expected)
        {
            var ex = Assert.Throws<InvalidSettingException>(() => SampleRunFactory.Resolve(Parameters(), Settings(Environment(url))));
            Assert.Contains(expected, ex.Message);
            Assert.Contains("U_URL", ex.Message);
        }

        [Theory]
        [InlineData(UploadProtocol.StowRs, false)]
        [InlineData(UploadProtocol.Archive, true)]
        public void HttpProtocolsAndAtomicAreRefusedForADicomArchive(UploadProtocol protocol, bool atomic)
        {
            var ex = Assert.Throws<ArgumentException>(() => SampleRunFactory.Resolve(Parameters(p => { p.Protocol = protocol; p.Atomic = atomic; }),
                Settings(Environment("dicom://ORTHANC@127.0.0.1:4242"))));
            Assert.Contains("dicom://", ex.Message);
            Assert.Contains(protocol.ToString(), ex.Message);
        }
    }
}
