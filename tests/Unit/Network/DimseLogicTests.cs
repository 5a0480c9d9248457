using System.Linq;
using DicomTools.Dicom.Network;
using Xunit;

namespace DicomTools.Tests.Unit.Network
{
    /// <summary>Command sets, status mapping, context planning and reasons: the parts that need no peer.</summary>
    public class DimseLogicTests
    {
        [Fact]
        public void StoreRequestIsImplicitLittleEndianWithACorrectGroupLength()
        {
            var bytes = DimseCommand.StoreRequest(7, "1.2.840.10008.5.1.4.1.1.7", "1.2.3.4.5").Encode();
            // (0000,0000) UL, length 4, then the length of everything after it.
            Assert.Equal(new byte[] { 0, 0, 0, 0, 4, 0, 0, 0 }, bytes.Take(8).ToArray());
            Assert.Equal((uint)(bytes.Length - 12), System.BitConverter.ToUInt32(bytes, 8));
            var decoded = DimseCommand.Decode(bytes, bytes.Length);
            Assert.Equal((ushort)0x0001, decoded.GetUInt16(DimseCommand.CommandField));
            Assert.Equal((ushort)7, decoded.GetUInt16(DimseCommand.MessageId));
            Assert.Equal("1.2.840.10008.5.1.4.1.1.7", decoded.GetString(DimseCommand.AffectedSopClassUid));
            Assert.Equal("1.2.3.4.5", decoded.GetString(DimseCommand.AffectedSopInstanceUid));
            Assert.True(decoded.HasDataSet);
            // Elements in ascending tag order, as PS3.7 requires.
            var elements = new System.Collections.Generic.List<ushort>();
            for (var pos = 0; pos < bytes.Length; pos += 8 + (int)System.BitConverter.ToUInt32(bytes, pos + 4))
                elements.Add(System.BitConverter.ToUInt16(bytes, pos + 2));
            Assert.Equal(new ushort[] { 0x0000, 0x0002, 0x0100, 0x0110, 0x0700, 0x0800, 0x1000 }, elements);
            Assert.Equal(0, bytes.Length % 2);
        }

        [Fact]
        public void EchoRequestEncodesToTheExactBytesOfPs37()
        {
            // Encode writes in place; the wire form must stay byte for byte what PS3.7 §9.3.5 describes.
            var expected = new byte[]
            {
                0x00, 0x00, 0x00, 0x00, 4, 0, 0, 0, 56, 0, 0, 0,                   // (0000,0000) UL 56
                0x00, 0x00, 0x02, 0x00, 18, 0, 0, 0,                              // (0000,0002) UI, NUL-padded to even
                (byte)'1', (byte)'.', (byte)'2', (byte)'.', (byte)'8', (byte)'4', (byte)'0', (byte)'.', (byte)'1',
                (byte)'0', (byte)'0', (byte)'0', (byte)'8', (byte)'.', (byte)'1', (byte)'.', (byte)'1', 0,
                0x00, 0x00, 0x00, 0x01, 2, 0, 0, 0, 0x30, 0x00,                   // (0000,0100) US C-ECHO-RQ
                0x00, 0x00, 0x10, 0x01, 2, 0, 0, 0, 0x2A, 0x00,                   // (0000,0110) US message id 42
                0x00, 0x00, 0x00, 0x08, 2, 0, 0, 0, 0x01, 0x01,                   // (0000,0800) US no data set
            };
            Assert.Equal(expected, DimseCommand.EchoRequest(42).Encode());
        }

        [Fact]
        public void CommandWithAnElementRunningPastItsEndIsRefused()
        {
            var bytes = DimseCommand.EchoRequest(1).Encode();
            var ex = Assert.Throws<DicomProtocolException>(() => DimseCommand.Decode(bytes, bytes.Length - 1));
            Assert.Contains("past the end of the command", ex.Message);
        }

        [Theory]
        [InlineData(0x0000, DicomStoreOutcome.Stored, false)]
        [InlineData(0xB000, DicomStoreOutcome.StoredWithWarning, false)]
        [InlineData(0xB006, DicomStoreOutcome.StoredWithWarning, false)]
        [InlineData(0xB007, DicomStoreOutcome.StoredWithWarning, false)]
        [InlineData(0xA700, DicomStoreOutcome.OutOfResources, true)]
        [InlineData(0xA7FF, DicomStoreOutcome.OutOfResources, true)]
        [InlineData(0xA900, DicomStoreOutcome.Failed, false)]
        [InlineData(0xC000, DicomStoreOutcome.Failed, false)]
        [InlineData(0xC123, DicomStoreOutcome.Failed, false)]
        [InlineData(0x0122, DicomStoreOutcome.Failed, false)]
        public void StatusCodesMapToOutcomes(int status, DicomStoreOutcome outcome, bool retryable)
        {
            Assert.Equal(outcome, DicomStatus.Classify((ushort)status));
            Assert.Equal(retryable, DicomStatus.IsRetryable((ushort)status));
            Assert.EndsWith("(" + status.ToString("X4") + ")", DicomStatus.Describe((ushort)status));
        }

        [Fact]
        public void StatusMeaningsAreWords()
        {
            Assert.Equal("error: data set does not match SOP class (A900)", DicomStatus.Describe(0xA900));
            Assert.Equal("refused: out of resources (A702)", DicomStatus.Describe(0xA702));
            Assert.Equal("SOP class not supported (0122)", DicomStatus.Describe(0x0122));
        }

        [Fact]
        public void ContextsPerSopClassAndSyntaxPresentPlusTheUncompressedOnes()
        {
            var contexts = DicomPresentationContext.ForFiles(new[]
            {
                ("1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.1.2.4.50"),
                ("1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.1.2.4.50"),
                ("1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.1.2.1"),
                ("1.2.840.10008.5.1.4.1.1.7", "1.2.840.10008.1.2"),
            }, includeVerification: false);
            var shown = contexts.Select(c => c.AbstractSyntaxUid + ":" + string.Join(",", c.TransferSyntaxUids)).ToArray();
            Assert.Equal(new[]
            {
                "1.2.840.10008.5.1.4.1.1.2:1.2.840.10008.1.2.4.50",
                "1.2.840.10008.5.1.4.1.1.2:1.2.840.10008.1.2.1",
                "1.2.840.10008.5.1.4.1.1.7:1.2.840.10008.1.2",
                "1.2.840.10008.5.1.4.1.1.2:1.2.840.10008.1.2.1,1.2.840.10008.1.2",
                "1.2.840.10008.5.1.4.1.1.7:1.2.840.10008.1.2.1,1.2.840.10008.1.2",
            }, shown);
        }

        [Fact]
        public void MoreContextsThanOneAssociationCarriesIsRefusedWithAHint()
        {
            var files = Enumerable.Range(1, 70).Select(i => ("1.2.3." + i, "1.2.840.10008.1.2.1"));
            var ex = Assert.Throws<System.ArgumentException>(() => DicomPresentationContext.ForFiles(files));
            Assert.Contains("smaller groups", ex.Message);
        }

        [Theory]
        [InlineData(1, 1, "no reason given by the peer (PS3.8 reason 1)")]
        [InlineData(1, 3, "calling AE title not recognized (PS3.8 reason 3)")]
        [InlineData(1, 7, "called AE title not recognized (PS3.8 reason 7)")]
        [InlineData(2, 2, "protocol version not supported (PS3.8 reason 2)")]
        [InlineData(3, 2, "the peer's local limit (e.g. of associations) is exceeded (PS3.8 reason 2)")]
        public void RejectionReasonsAreSentences(byte source, byte reason, string text) =>
            Assert.Equal(text, DicomNetworkReasons.Rejection(source, reason));

        [Theory]
        [InlineData("ORTHANC", true)]
        [InlineData("", false)]
        [InlineData("   ", false)]
        [InlineData("SEVENTEEN-CHARS-X", false)]
        [InlineData("BACK\\SLASH", false)]
        public void AeTitlesAreChecked(string ae, bool valid) => Assert.Equal(valid, DicomNetworkValidation.AeTitleProblem(ae) == null);
    }
}
