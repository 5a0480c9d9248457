using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading.Tasks;
using DicomTools.Tests.Unit.Support;
using Xunit;

namespace DicomTools.Tests.Unit.LabServer
{
    /// <summary>Proves the fixture gives a working, private, authenticated Orthanc with DICOMweb.</summary>
    public sealed class OrthancFixtureTests : IClassFixture<OrthancFixture>
    {
        private readonly OrthancFixture _orthanc;
        public OrthancFixtureTests(OrthancFixture orthanc) { _orthanc = orthanc; }

        [RequiresToolFact("Orthanc")]
        public async Task StoresAnUploadAndAnswersAlreadyStoredTheSecondTime()
        {
            using var client = _orthanc.CreateClient();
            var dicom = TestDicom.Instance(41, "ORTHANC-FIXTURE").ToBytes();

            using var first = await client.PostAsync("instances", new ByteArrayContent(dicom));
            using var second = await client.PostAsync("instances", new ByteArrayContent(dicom));

            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            var stored = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("Success", stored.GetProperty("Status").GetString());
            Assert.Equal("AlreadyStored", JsonDocument.Parse(await second.Content.ReadAsStringAsync()).RootElement.GetProperty("Status").GetString());
            // Our lab server computes the same ID as Orthanc, so tests can compare answers across both.
            Assert.Equal(DicomTools.LabServer.InstanceStore.ComputeId("ORTHANC-FIXTURE", "1.2.826.0.1.3680043.2.1125.1", "1.2.826.0.1.3680043.2.1125.1.1", "1.2.826.0.1.3680043.2.1125.1.1.41"),
                stored.GetProperty("ID").GetString());

            using var tags = await client.GetAsync($"instances/{stored.GetProperty("ID").GetString()}/simplified-tags");
            Assert.Equal("ORTHANC-FIXTURE", JsonDocument.Parse(await tags.Content.ReadAsStringAsync()).RootElement.GetProperty("PatientID").GetString());
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(_orthanc.StoragePath, "storage"), "*", SearchOption.AllDirectories));
        }

        [RequiresToolFact("Orthanc")]
        public async Task RefusesRequestsWithoutTheCredentials()
        {
            using var anonymous = new HttpClient { BaseAddress = _orthanc.BaseAddress };
            using var response = await anonymous.GetAsync("system");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            using var wrong = new HttpRequestMessage(HttpMethod.Get, "system");
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Basic", "ZGljb210b29sczpub3Bl");   // dicomtools:nope
            using var refused = await anonymous.SendAsync(wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        [RequiresToolFact("Orthanc")]
        public async Task TheDicomWebPluginAnswersStudies()
        {
            using var client = _orthanc.CreateClient();
            using (await client.PostAsync("instances", new ByteArrayContent(TestDicom.Instance(42, "ORTHANC-QIDO").ToBytes()))) { }
            using var response = await client.GetAsync("dicom-web/studies?PatientID=ORTHANC-QIDO");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var studies = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            var study = Assert.Single(studies.EnumerateArray());
            Assert.Equal("1.2.826.0.1.3680043.2.1125.1", study.GetProperty("0020000D").GetProperty("Value")[0].GetString());
        }
    }

    public sealed class OrthancFixtureLifetimeTests
    {
        [RequiresToolFact("Orthanc")]
        public async Task StartsQuicklyAndStopsCleanlyRemovingItsFolder()
        {
            var orthanc = new OrthancFixture();
            await orthanc.InitializeAsync();
            var folder = orthanc.StoragePath;
            Assert.True(orthanc.IsRunning);
            Assert.True(orthanc.StartupTime.TotalSeconds < 20);
            Assert.True(Directory.Exists(folder));

            await orthanc.DisposeAsync();

            Assert.False(orthanc.IsRunning);
            Assert.False(Directory.Exists(folder));
            // The password never shows in what the fixture prints about itself.
            Assert.DoesNotContain(orthanc.Password, orthanc.LogTail());
        }
    }
}
