using System;
using DicomTools.Engine.Run;
using DicomTools.Engine.Upload;
using Xunit;

namespace DicomTools.Tests.Unit.SampleRuns
{
    /// <summary>What a dry run says about the upload: the target an admin can check, never a secret.</summary>
    public sealed class SampleRunPreviewTests
    {
        [Fact]
        public void AnHttpUploadUrlLosesItsUserInfo()
        {
            var text = SampleRunPreview.DescribeUpload(3, 3 * 1048576, new Uri("https://lab:s3cr3t-pw@uploads.example/api/upload"), UploadProtocol.Raw, false, 4);

            Assert.DoesNotContain("s3cr3t-pw", text);
            Assert.Contains("uploads.example/api/upload", text);
            Assert.Contains("with protocol Raw (one request per file, 4 at a time)", text);
        }

        [Fact]
        public void ADicomUploadUrlKeepsBothAeTitlesAndThePort()
        {
            var text = SampleRunPreview.DescribeUpload(2, 1048576, new Uri("dicom://LABSCU:ARCHIVE@pacs.example:11112"), UploadProtocol.Dimse, false, 2);

            Assert.Equal("Upload 2 file(s) (1.0 MB) to dicom://ARCHIVE@pacs.example:11112 (calling AE title LABSCU) with protocol Dimse (DICOM C-STORE over 2 association(s))", text);
        }

        [Fact]
        public void ADicomUploadUrlWithoutPortOrCallingTitleShowsTheDefaults()
        {
            var text = SampleRunPreview.DescribeUpload(1, 0, new Uri("dicom://ARCHIVE@pacs.example"), UploadProtocol.Dimse, false, 1);

            Assert.Contains("to dicom://ARCHIVE@pacs.example:104 (calling AE title DICOMTOOLS)", text);
        }
    }
}
