using System.Linq;
using DicomTools.Engine.Upload;
using DicomTools.Engine.Upload.Protocols;
using Xunit;

namespace DicomTools.Tests.Unit.Upload
{
    public class UploadAnswersTests
    {
        internal const string OrthancStowTwoStored = @"{
  ""00080005"": { ""Value"": [""ISO_IR 100""], ""vr"": ""CS"" },
  ""00081198"": { ""vr"": ""SQ"" },
  ""00081199"": { ""Value"": [
     { ""00081150"": { ""Value"": [""1.2.840.10008.5.1.4.1.1.7""], ""vr"": ""UI"" }, ""00081155"": { ""Value"": [""1.2.3.4.5.1""], ""vr"": ""UI"" } },
     { ""00081150"": { ""Value"": [""1.2.840.10008.5.1.4.1.1.7""], ""vr"": ""UI"" }, ""00081155"": { ""Value"": [""1.2.3.4.5.2""], ""vr"": ""UI"" } } ], ""vr"": ""SQ"" } }";

        internal const string PartialWithFailed = @"{
  ""00081198"": { ""vr"": ""SQ"", ""Value"": [ { ""00081155"": { ""vr"": ""UI"", ""Value"": [""1.2.3.4.5.2""] }, ""00081197"": { ""vr"": ""US"", ""Value"": [49152] } } ] },
  ""00081199"": { ""vr"": ""SQ"", ""Value"": [ { ""00081155"": { ""vr"": ""UI"", ""Value"": [""1.2.3.4.5.1""] } } ] } }";

        /// <summary>What Orthanc answers when the parts' headers are wrong: 200 and nothing stored.</summary>
        internal const string NothingStored = @"{ ""00080005"": { ""Value"": [""ISO_IR 100""], ""vr"": ""CS"" }, ""00081198"": { ""vr"": ""SQ"" }, ""00081199"": { ""vr"": ""SQ"" } }";

        [Fact]
        public void ReadsTheReferencedSopSequence()
        {
            var answer = UploadAnswers.ParseStowRs(OrthancStowTwoStored);
            Assert.True(answer.IsJson);
            Assert.Equal(new[] { "1.2.3.4.5.1", "1.2.3.4.5.2" }, answer.Referenced.Select(r => r.SopInstanceUid));
            Assert.Empty(answer.Failed);
        }

        [Fact]
        public void ReadsTheFailedSopSequenceWithItsReason()
        {
            var answer = UploadAnswers.ParseStowRs(PartialWithFailed);
            Assert.Equal("1.2.3.4.5.1", Assert.Single(answer.Referenced).SopInstanceUid);
            var failed = Assert.Single(answer.Failed);
            Assert.Equal("1.2.3.4.5.2", failed.SopInstanceUid);
            Assert.Contains("0xC000", failed.Reason);
            Assert.Contains("cannot understand", failed.Reason);
        }

        [Fact]
        public void EmptySequencesListNothing()
        {
            var answer = UploadAnswers.ParseStowRs(NothingStored);
            Assert.True(answer.IsJson);
            Assert.Empty(answer.Referenced);
            Assert.Empty(answer.Failed);
        }

        [Fact]
        public void AnHtmlErrorPageIsNotAStowAnswer() => Assert.False(UploadAnswers.ParseStowRs("<html>502 Bad Gateway</html>").IsJson);

        [Fact]
        public void ReadsOrthancsArrayOfStoredInstances()
        {
            const string body = @"[
 { ""ID"": ""9b49bfe8-7b1b92bd-485c661c-8e1dfd43-2138bb1d"", ""ParentPatient"": ""p"", ""ParentSeries"": ""s"", ""ParentStudy"": ""t"", ""Path"": ""/instances/9b49bfe8-7b1b92bd-485c661c-8e1dfd43-2138bb1d"", ""Status"": ""AlreadyStored"" },
 { ""ID"": ""e1b9ddbd-3fb05db6-b0d7b4ff-b1b00d96-1cd548cc"", ""ParentPatient"": ""p"", ""ParentSeries"": ""s"", ""ParentStudy"": ""t"", ""Path"": ""/instances/e1b9ddbd-3fb05db6-b0d7b4ff-b1b00d96-1cd548cc"", ""Status"": ""Success"" } ]";
            var answer = UploadAnswers.ParseArchive(body);
            Assert.True(answer.IsOrthancShaped);
            Assert.Equal(2, answer.Stored.Count);
            Assert.True(answer.Stored[0].AlreadyStored);
            Assert.False(answer.Stored[1].AlreadyStored);
            Assert.Equal("e1b9ddbd-3fb05db6-b0d7b4ff-b1b00d96-1cd548cc", answer.Stored[1].Id);
        }

        [Fact]
        public void ReadsTheLabServersArchiveAnswers()
        {
            var ok = UploadAnswers.ParseArchive(@"{""Status"":""Success"",""Stored"":[{""Name"":""a.dcm"",""SOPInstanceUID"":""1.2"",""ID"":""x"",""Status"":""AlreadyStored""}]}");
            Assert.False(ok.IsOrthancShaped);
            Assert.Equal("a.dcm", Assert.Single(ok.Stored).Name);
            Assert.True(ok.Stored[0].AlreadyStored);

            var rejected = UploadAnswers.ParseArchive(@"{""Status"":""Rejected"",""Failed"":[{""Name"":""bad.dcm"",""Reason"":""not DICOM""}]}");
            Assert.Empty(rejected.Stored);
            Assert.Equal("not DICOM", Assert.Single(rejected.Failed).Reason);
        }

        [Fact]
        public void ComputesOrthancsInstanceIdFromTheDicomIdentifiers()
        {
            // Measured: Orthanc 1.10.1 stored PatientID PID1, study 1.2.3.4, series 1.2.3.4.5, SOP 1.2.3.4.5.2 as this ID.
            var file = new UploadFile("x.dcm", 1, "1.2.3.4.5.2") { PatientId = "PID1", StudyInstanceUid = "1.2.3.4", SeriesInstanceUid = "1.2.3.4.5" };
            Assert.Equal("e1b9ddbd-3fb05db6-b0d7b4ff-b1b00d96-1cd548cc", OrthancIds.InstanceId(file));
        }

        [Theory]
        [InlineData("http://h:8042/instances", "http://h:8042/")]
        [InlineData("http://h:8042/orthanc/dicom-web/studies", "http://h:8042/orthanc/")]
        [InlineData("http://h/api/upload/archive", "http://h/")]
        public void FindsTheOrthancRootOfAnEndpoint(string endpoint, string root) =>
            Assert.Equal(root, OrthancIds.Root(new System.Uri(endpoint)).ToString());

        [Fact]
        public void RecognisesOrthancsSystemAnswer()
        {
            Assert.True(UploadAnswers.IsOrthancSystemAnswer(@"{ ""ApiVersion"": 16, ""DatabaseVersion"": 6, ""Name"": ""t"" }"));
            Assert.False(UploadAnswers.IsOrthancSystemAnswer(@"{ ""status"": ""ok"" }"));
            Assert.False(UploadAnswers.IsOrthancSystemAnswer("Not Found"));
        }
    }
}
