using System;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using DicomTools.Dicom;
using DicomTools.Dicom.Network;
using DicomTools.Tests.Unit.Dicom;
using DicomTools.Tests.Unit.Support;
using Xunit;

namespace DicomTools.Tests.Unit.Network
{
    /// <summary>Orthanc's DICOM port as the archive: C-ECHO, C-STORE of a folder, the called AE title checked.</summary>
    public class OrthancDimseTests : IClassFixture<OrthancDimseFixture>
    {
        private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
        private readonly OrthancDimseFixture _orthanc;

        public OrthancDimseTests(OrthancDimseFixture orthanc) { _orthanc = orthanc; }

        private DicomAssociationOptions Options(string called = OrthancDimseFixture.AeTitle) =>
            new DicomAssociationOptions("127.0.0.1", _orthanc.DicomPort, called).WithTimeout(TimeSpan.FromSeconds(30));

        [RequiresToolFact("Orthanc")]
        public async Task EchoSucceedsWithTheRightCalledAeTitle()
        {
            using var association = await DicomAssociation.OpenAsync(Options(), new[] { DicomPresentationContext.Verification() }, default).WaitAsync(Guard);
            var echo = await association.EchoAsync(default).WaitAsync(Guard);
            Assert.True(echo.IsSuccess);
            Assert.False(string.IsNullOrEmpty(association.Peer.ImplementationClassUid));
            await association.ReleaseAsync(default).WaitAsync(Guard);
        }

        [RequiresToolFact("Orthanc")]
        public async Task WrongCalledAeTitleIsRejectedWithTheReasonInWords()
        {
            var ex = await Assert.ThrowsAsync<DicomAssociationRejectedException>(() =>
                DicomAssociation.OpenAsync(Options("NOTORTHANC"), new[] { DicomPresentationContext.Verification() }, default).WaitAsync(Guard));
            Assert.Contains("called AE title not recognized (PS3.8 reason 7)", ex.Message);
            Assert.Equal(7, ex.Reason);
        }

        [RequiresToolFact("Orthanc")]
        public async Task FolderIsStoredAndVisibleThroughTheRestApiAndASecondSendIsAnsweredToo()
        {
            using var temp = new TempFolder();
            var patientId = "DIMSE-" + Guid.NewGuid().ToString("N")[..8];
            var files = Enumerable.Range(1, 3).Select(i =>
            {
                var b = DicomTestFiles.Image();
                b.Add(DicomTestFiles.PatientId, "LO", patientId);
                b.Add(DicomTag.SopInstanceUid, "UI", "1.2.826.0.1.3680043.10.1234.77." + Environment.ProcessId + "." + i);
                return DicomTestFiles.Write(temp, i + ".dcm", b, i == 2 ? DicomTestFiles.ImplicitLE : DicomTestFiles.ExplicitLE);
            }).ToArray();
            var client = new DicomStoreClient(Options());
            var first = await client.SendAsync(files, null, default).WaitAsync(Guard);
            Assert.All(first, o => Assert.Equal(DicomStoreOutcome.Stored, o.Result?.Outcome));
            Assert.Equal(new ushort[] { 1, 2, 3 }, first.Select(o => o.Result!.MessageId).ToArray());

            using var http = _orthanc.CreateClient();
            var found = await http.PostAsync("tools/find", new System.Net.Http.StringContent(
                JsonSerializer.Serialize(new { Level = "Instance", Query = new { PatientID = patientId } })));
            found.EnsureSuccessStatusCode();
            using var ids = JsonDocument.Parse(await found.Content.ReadAsStringAsync());
            Assert.Equal(3, ids.RootElement.GetArrayLength());

            // Orthanc answers a duplicate with its own status (success by default, as it overwrites or keeps the instance).
            var second = await client.SendAsync(files, null, default).WaitAsync(Guard);
            Assert.All(second, o => Assert.NotNull(o.Result));
            Assert.All(second, o => Assert.True(o.Result!.IsStored || o.Result.Outcome == DicomStoreOutcome.Failed, o.Result.Message));
        }
    }
}
