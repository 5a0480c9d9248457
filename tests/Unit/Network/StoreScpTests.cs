using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using DicomTools.Dicom;
using DicomTools.Dicom.Network;
using DicomTools.Tests.Unit.Dicom;
using DicomTools.Tests.Unit.Support;
using Xunit;

namespace DicomTools.Tests.Unit.Network
{
    /// <summary>dcmtk's storescp as the receiving archive: what it stored must be what we sent.</summary>
    public class StoreScpTests
    {
        private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

        private static DicomAssociationOptions Options(StoreScp scp, string called = "STORESCP") =>
            new DicomAssociationOptions("127.0.0.1", scp.Port, called).WithTimeout(TimeSpan.FromSeconds(30));

        private static string Write(TempFolder temp, string name, string ts, string instance, bool undefinedSequences = true)
        {
            var b = DicomTestFiles.Image(undefinedSequences);
            b.Add(DicomTag.SopInstanceUid, "UI", "1.2.826.0.1.3680043.10.1234.99." + instance);
            return DicomTestFiles.Write(temp, name, b, ts);
        }

        private static string WriteJpeg(TempFolder temp, string name, string instance)
        {
            var b = DicomTestFiles.Image();
            b.Add(DicomTag.SopInstanceUid, "UI", "1.2.826.0.1.3680043.10.1234.99." + instance);
            b.AddEncapsulatedPixelData(Array.Empty<byte>(), new[] { Enumerable.Repeat((byte)0xAB, 31).Concat(new byte[] { 0 }).ToArray(), Enumerable.Repeat((byte)0xCD, 40).ToArray() });
            return DicomTestFiles.Write(temp, name, b, DicomTestFiles.JpegBaseline);
        }

        [RequiresToolFact("storescp", "dcmdump")]
        public async Task EchoReportsTheRoundTripAndDcmtksIdentity()
        {
            using var temp = new TempFolder();
            using var scp = await StoreScp.StartAsync(temp);
            using var association = await DicomAssociation.OpenAsync(Options(scp), new[] { DicomPresentationContext.Verification() }, default).WaitAsync(Guard);
            var echo = await association.EchoAsync(default).WaitAsync(Guard);
            Assert.True(echo.IsSuccess);
            Assert.True(echo.RoundTrip > TimeSpan.Zero);
            Assert.StartsWith("1.2.276.0.7230010.3", association.Peer.ImplementationClassUid);
            Assert.StartsWith("OFFIS_DCMTK", association.Peer.ImplementationVersionName);
            await association.ReleaseAsync(default).WaitAsync(Guard);
        }

        [RequiresToolFact("storescp", "dcmdump")]
        public async Task FilesInEachSyntaxAreStoredElementForElementOverOneAssociation()
        {
            using var temp = new TempFolder();
            var files = new[]
            {
                Write(temp, "implicit.dcm", DicomTestFiles.ImplicitLE, "11"),
                Write(temp, "explicit.dcm", DicomTestFiles.ExplicitLE, "12", undefinedSequences: false),
                Write(temp, "bigendian.dcm", DicomTestFiles.ExplicitBE, "13"),
                Write(temp, "deflated.dcm", DicomTestFiles.Deflated, "14"),
                WriteJpeg(temp, "jpeg.dcm", "15"),
            };
            using var scp = await StoreScp.StartAsync(temp, "+xa");
            var outcomes = await new DicomStoreClient(Options(scp)).SendAsync(files, null, default).WaitAsync(Guard);
            Assert.All(outcomes, o => Assert.True(o.IsStored, o.Path + ": " + (o.Error?.Message ?? o.Result?.Message)));
            Assert.All(outcomes, o => Assert.False(o.Result!.Transcoded));
            Assert.Equal(5, scp.ReceivedFiles().Length);
            foreach (var o in outcomes)
            {
                var stored = NetworkTestFiles.StoredFile(scp, o.Source!.SopInstanceUid);
                Assert.Equal(o.Source.TransferSyntaxUid, DicomFileReader.ReadSummary(stored).TransferSyntaxUid);
                Assert.Equal(NetworkTestFiles.ComparableDump(o.Path), NetworkTestFiles.ComparableDump(stored));
            }
        }

        [RequiresToolFact("storescp", "dcmdump")]
        public async Task ExplicitFileIsTranscodedToImplicitWhenThatIsAllTheArchiveAccepts()
        {
            using var temp = new TempFolder();
            var explicitFile = Write(temp, "explicit.dcm", DicomTestFiles.ExplicitLE, "21", undefinedSequences: false);
            var deflatedFile = Write(temp, "deflated.dcm", DicomTestFiles.Deflated, "22");
            using var scp = await StoreScp.StartAsync(temp, "+xi");
            var outcomes = await new DicomStoreClient(Options(scp)).SendAsync(new[] { explicitFile, deflatedFile }, null, default).WaitAsync(Guard);
            foreach (var o in outcomes)
            {
                Assert.True(o.IsStored, o.Error?.Message ?? o.Result?.Message);
                Assert.True(o.Result!.Transcoded);
                Assert.Equal(DicomTestFiles.ImplicitLE, o.Result.SentTransferSyntaxUid);
                var stored = NetworkTestFiles.StoredFile(scp, o.Source!.SopInstanceUid);
                Assert.Equal(DicomTestFiles.ImplicitLE, DicomFileReader.ReadSummary(stored).TransferSyntaxUid);
                // Every element's value identical, pixel data included (+L prints it in full); only VRs of private tags
                // are lost, which Implicit VR cannot carry.
                Assert.Equal(NetworkTestFiles.ComparableDump(o.Path, ignorePrivateVr: true), NetworkTestFiles.ComparableDump(stored, ignorePrivateVr: true));
            }
        }

        /// <summary>Little endian bytes of the values; the writer swaps them per VR when it writes big endian.</summary>
        private static byte[] Le<T>(params T[] values) where T : struct
        {
            var bytes = new byte[values.Length * System.Runtime.InteropServices.Marshal.SizeOf<T>()];
            Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
            return bytes;
        }

        [RequiresToolFact("storescp", "dcmdump")]
        public async Task BigEndianFileIsSwappedToLittleEndianPerVrWhenTheArchiveRefusesBigEndian()
        {
            using var temp = new TempFolder();
            // One standard tag per binary VR (so Implicit VR keeps the VR through the dictionary), some inside a sequence.
            DicomDatasetBuilder Binary(DicomDatasetBuilder b) => b
                .AddBinary(new DicomTag(0x0018, 0x6020), "SL", Le(-123456, 7))
                .AddBinary(new DicomTag(0x0018, 0x9089), "FD", Le(0.5, -1.25e10, Math.PI))
                .AddBinary(new DicomTag(0x0018, 0x9219), "SS", Le<short>(-2, 300))
                .AddBinary(new DicomTag(0x0028, 0x0009), "AT", Le<ushort>(0x0018, 0x1063, 0x0018, 0x1065))
                .AddBinary(new DicomTag(0x0040, 0xA132), "UL", Le(1u, 0x01020304u, uint.MaxValue))
                .AddBinary(new DicomTag(0x0066, 0x0016), "OF", Le(1.5f, -2.75f, 3e-7f))
                .AddBinary(new DicomTag(0x0066, 0x0022), "OD", Le(1.0 / 3, -7.5))
                .AddBinary(new DicomTag(0x0066, 0x0040), "OL", Le(0x0A0B0C0Du, 5u))
                .AddBinary(new DicomTag(0x0070, 0x0022), "FL", Le(0.25f, 1e6f));
            var b = Binary(DicomTestFiles.Image());
            b.AddSequence(new DicomTag(0x0040, 0xA730), new[] { Binary(new DicomDatasetBuilder().Add(new DicomTag(0x0040, 0xA040), "CS", "NUM")) }, undefinedLength: true);
            b.Add(DicomTag.SopInstanceUid, "UI", "1.2.826.0.1.3680043.10.1234.99.71");
            var bigEndian = DicomTestFiles.Write(temp, "bigendian.dcm", b, DicomTestFiles.ExplicitBE);

            using var scp = await StoreScp.StartAsync(temp, "+xi"); // little endian implicit only: big endian is refused
            var outcomes = await new DicomStoreClient(Options(scp)).SendAsync(new[] { bigEndian }, null, default).WaitAsync(Guard);
            var o = Assert.Single(outcomes);
            Assert.True(o.IsStored, o.Error?.Message ?? o.Result?.Message);
            Assert.True(o.Result!.Transcoded);
            var stored = NetworkTestFiles.StoredFile(scp, o.Source!.SopInstanceUid);
            Assert.Equal(DicomTestFiles.ImplicitLE, DicomFileReader.ReadSummary(stored).TransferSyntaxUid);
            var before = NetworkTestFiles.ComparableDump(bigEndian, ignorePrivateVr: true);
            // The comparison must see the swapped values (not only that both files parse): the dump prints them decoded.
            Assert.Contains(before, l => l.Contains("(0040,a132) UL 1\\16909060\\4294967295", StringComparison.Ordinal));
            Assert.Contains(before, l => l.Contains("(0028,0009) AT (0018,1063)\\(0018,1065)", StringComparison.Ordinal));
            Assert.Equal(before, NetworkTestFiles.ComparableDump(stored, ignorePrivateVr: true));
            // Native OW pixel data: the stored little endian words are the values written (the test image's bytes as LE words).
            var got = File.ReadAllBytes(stored);
            var expected = Enumerable.Range(0, 4 * 4 * 2).Select(i => (byte)(i * 7)).ToArray();
            Assert.Equal(expected, got.AsSpan(got.Length - expected.Length).ToArray());
        }

        [RequiresToolFact("storescp", "dcmdump")]
        public async Task ImplicitFileIsTranscodedToExplicitWhenOnlyExplicitIsAccepted()
        {
            using var temp = new TempFolder();
            var implicitFile = Write(temp, "implicit.dcm", DicomTestFiles.ImplicitLE, "31");
            var source = DicomStoreSource.FromFile(implicitFile);
            // Propose explicit only, so the implicit file must be transcoded on the way.
            var contexts = new[] { new DicomPresentationContext(source.SopClassUid, new[] { DicomTestFiles.ExplicitLE }) };
            using var scp2 = await StoreScp.StartAsync(temp);
            using var association = await DicomAssociation.OpenAsync(Options(scp2), contexts, default).WaitAsync(Guard);
            var result = await association.StoreAsync(source, default).WaitAsync(Guard);
            await association.ReleaseAsync(default).WaitAsync(Guard);
            Assert.True(result.IsStored, result.Message);
            Assert.True(result.Transcoded);
            var stored = NetworkTestFiles.StoredFile(scp2, source.SopInstanceUid);
            Assert.Equal(DicomTestFiles.ExplicitLE, DicomFileReader.ReadSummary(stored).TransferSyntaxUid);
            Assert.Equal(NetworkTestFiles.ComparableDump(implicitFile, ignorePrivateVr: true), NetworkTestFiles.ComparableDump(stored, ignorePrivateVr: true));
        }

        [RequiresToolFact("storescp", "dcmdump")]
        public async Task CompressedFileWithNoAcceptedContextFailsAloneAndTheOthersAreStored()
        {
            using var temp = new TempFolder();
            var jpeg = WriteJpeg(temp, "jpeg.dcm", "41");
            var plain = Write(temp, "plain.dcm", DicomTestFiles.ExplicitLE, "42");
            using var scp = await StoreScp.StartAsync(temp); // default: uncompressed syntaxes only
            var outcomes = await new DicomStoreClient(Options(scp)).SendAsync(new[] { jpeg, plain }, null, default).WaitAsync(Guard);
            var failed = outcomes.Single(o => o.Path == jpeg);
            var error = Assert.IsType<DicomNoAcceptedContextException>(failed.Error);
            Assert.Contains("accepts none of JPEG Baseline (1.2.840.10008.1.2.4.50) for Secondary Capture Image Storage (1.2.840.10008.5.1.4.1.1.7)", error.Message);
            Assert.False(failed.Sent);
            Assert.False(failed.IsRetryable);
            Assert.True(outcomes.Single(o => o.Path == plain).IsStored);
            Assert.Single(scp.ReceivedFiles());
        }

        [RequiresToolFact("storescp", "dcmdump")]
        public async Task LargeFileCrossesManySmallPdusUnchanged()
        {
            using var temp = new TempFolder();
            var pixels = Enumerable.Range(0, 512 * 512 * 2).Select(i => (byte)(i * 13 + (i >> 9))).ToArray();
            var b = DicomTestFiles.Image(pixels: pixels, rows: 512, columns: 512);
            var path = DicomTestFiles.Write(temp, "large.dcm", b, DicomTestFiles.ExplicitLE);
            using var scp = await StoreScp.StartAsync(temp, "-pdu", "4096");
            var outcomes = await new DicomStoreClient(Options(scp)).SendAsync(new[] { path }, null, default).WaitAsync(Guard);
            Assert.True(outcomes[0].IsStored, outcomes[0].Error?.Message);
            var stored = NetworkTestFiles.StoredFile(scp, outcomes[0].Source!.SopInstanceUid);
            var sent = File.ReadAllBytes(path);
            var got = File.ReadAllBytes(stored);
            // Pixel data is the tail of both files: byte-identical.
            Assert.Equal(sent.AsSpan(sent.Length - pixels.Length).ToArray(), got.AsSpan(got.Length - pixels.Length).ToArray());
            Assert.Equal(pixels, got.AsSpan(got.Length - pixels.Length).ToArray());
        }

        [RequiresToolFact("storescp")]
        public async Task RefusedAssociationGivesTheReasonInWords()
        {
            using var temp = new TempFolder();
            using var scp = await StoreScp.StartAsync(temp, "--refuse");
            var ex = await Assert.ThrowsAsync<DicomAssociationRejectedException>(() =>
                DicomAssociation.OpenAsync(Options(scp), new[] { DicomPresentationContext.Verification() }, default).WaitAsync(Guard));
            Assert.Matches(@"rejected \((permanent|transient)\): .+ \(PS3\.8 reason \d\)\.", ex.Message);
        }

        [RequiresToolFact("storescp")]
        public async Task ArchiveAbortingDuringTheStoreIsReportedForTheFileInFlightAndTheRest()
        {
            using var temp = new TempFolder();
            var first = Write(temp, "a.dcm", DicomTestFiles.ExplicitLE, "51");
            var second = Write(temp, "b.dcm", DicomTestFiles.ExplicitLE, "52");
            using var scp = await StoreScp.StartAsync(temp, "--abort-during");
            var outcomes = await new DicomStoreClient(Options(scp)).SendAsync(new[] { first, second }, null, default).WaitAsync(Guard);
            Assert.Equal(2, outcomes.Count);
            Assert.All(outcomes, o => Assert.IsType<DicomAssociationAbortedException>(o.Error));
            Assert.True(outcomes[0].Sent);
            Assert.False(outcomes[1].Sent);
            Assert.All(outcomes, o => Assert.True(o.IsRetryable));
            Assert.Contains("aborted", outcomes[0].Error!.Message);
        }
            [RequiresToolFact("storescp")]
        public async Task FileFoundDamagedWhileTranscodedFailsAloneAndTheRestAreReportedNotSent()
        {
            using var temp = new TempFolder();
            var damaged = Write(temp, "damaged.dcm", DicomTestFiles.ExplicitLE, "61");
            var next = Write(temp, "next.dcm", DicomTestFiles.ExplicitLE, "62");
            // Cut inside the pixel data: the identity reads fine, the walk through the data set does not.
            var bytes = File.ReadAllBytes(damaged);
            File.WriteAllBytes(damaged, bytes.AsSpan(0, bytes.Length - 10).ToArray());
            using var scp = await StoreScp.StartAsync(temp, "+xi"); // forces transcoding, so the file is walked
            var outcomes = await new DicomStoreClient(Options(scp)).SendAsync(new[] { damaged, next }, null, default).WaitAsync(Guard);
            Assert.IsType<DicomFormatException>(outcomes[0].Error);
            Assert.Contains("(7FE0,0010)", outcomes[0].Error!.Message);
            Assert.Contains("runs past the end of the file", outcomes[0].Error!.Message);
            var rest = Assert.IsType<DicomNetworkException>(outcomes[1].Error);
            Assert.False(outcomes[1].Sent);
            Assert.True(rest.IsTransient);
            Assert.Contains("damaged.dcm", rest.Message);
            Assert.Empty(scp.ReceivedFiles());
        }
    }
}
