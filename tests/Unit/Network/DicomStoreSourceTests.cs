using System.Collections.Generic;
using System.IO;
using DicomTools.Dicom;
using DicomTools.Dicom.Network;
using DicomTools.Tests.Unit.Dicom;
using DicomTools.Tests.Unit.Support;
using Xunit;

namespace DicomTools.Tests.Unit.Network
{
    /// <summary>Reading a file's C-STORE identity costs one open of the file, and still finds what the codec finds.</summary>
    public class DicomStoreSourceTests
    {
        /// <summary>Counts the opens and whether every opened stream was disposed.</summary>
        private sealed class CountingOpener
        {
            public readonly List<TrackedStream> Opened = new List<TrackedStream>();

            public Stream Open(string path)
            {
                var s = new TrackedStream(path);
                Opened.Add(s);
                return s;
            }
        }

        private sealed class TrackedStream : FileStream
        {
            public TrackedStream(string path) : base(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1) { }
            public bool Disposed { get; private set; }
            protected override void Dispose(bool disposing) { Disposed = true; base.Dispose(disposing); }
        }

        [Theory]
        [InlineData(DicomTestFiles.ExplicitLE)]
        [InlineData(DicomTestFiles.ImplicitLE)]
        [InlineData(DicomTestFiles.Deflated)]
        public void HeaderIsReadFromOneOpenAndMatchesTheCodec(string syntax)
        {
            using var temp = new TempFolder();
            var b = DicomTestFiles.Image();
            b.Add(DicomTag.SopInstanceUid, "UI", "1.2.826.0.1.3680043.10.1234.77.1");
            var path = DicomTestFiles.Write(temp, "one.dcm", b, syntax);
            var opener = new CountingOpener();

            var source = DicomStoreSource.FromFile(path, opener.Open);

            var opened = Assert.Single(opener.Opened);
            Assert.True(opened.Disposed);
            var expected = DicomFileReader.ReadSummary(path);
            Assert.Equal(expected.SopClassUid, source.SopClassUid);
            Assert.Equal(expected.SopInstanceUid, source.SopInstanceUid);
            Assert.Equal(expected.TransferSyntaxUid, source.TransferSyntaxUid);
            long datasetOffset;
            using (DicomParser.Open(path, out var header)) datasetOffset = header.DatasetOffset;
            var all = File.ReadAllBytes(path);
            using var raw = source.OpenRaw();
            using var copy = new MemoryStream();
            raw.CopyTo(copy);
            Assert.Equal(all.AsSpanFrom(datasetOffset), copy.ToArray());
        }

        /// <summary>Open (the DIMSE send path) keeps its one handle for the send, and a second send (a retry) reads it again.</summary>
        [Theory]
        [InlineData(DicomTestFiles.ExplicitLE)]
        [InlineData(DicomTestFiles.Deflated)]
        public void OpenKeepsItsOneHandleForTheSendUntilDisposed(string syntax)
        {
            using var temp = new TempFolder();
            var path = DicomTestFiles.Write(temp, "one.dcm", DicomTestFiles.Image(), syntax);
            var opener = new CountingOpener();
            long datasetOffset;
            using (DicomParser.Open(path, out var header)) datasetOffset = header.DatasetOffset;
            var expected = File.ReadAllBytes(path).AsSpanFrom(datasetOffset);

            var source = DicomStoreSource.OpenWith(path, opener.Open);

            var opened = Assert.Single(opener.Opened);
            Assert.False(opened.Disposed);
            Assert.Equal(DicomFileReader.ReadSummary(path).SopInstanceUid, source.SopInstanceUid);
            for (var send = 0; send < 2; send++)
            {
                using var raw = source.OpenRaw();
                using var copy = new MemoryStream();
                raw.CopyTo(copy);
                Assert.Equal(expected, copy.ToArray());
            }
            Assert.False(opened.Disposed);
            Assert.Single(opener.Opened);
            source.Dispose();
            Assert.True(opened.Disposed);
        }

        [Fact]
        public void OpenOfAFileWithoutSopInstanceUidFailsAndClosesItsHandle()
        {
            using var temp = new TempFolder();
            // No File Meta either, so no (0002,0003) to fall back on.
            var b = new DicomDatasetBuilder()
                .Add(new DicomTag(0x0008, 0x0016), "UI", DicomTestFiles.SecondaryCapture)
                .Add(new DicomTag(0x0008, 0x0060), "CS", "OT")
                .Add(new DicomTag(0x0010, 0x0020), "LO", "NO-UID");
            var path = DicomTestFiles.Write(temp, "nouid.dcm", b, DicomTestFiles.ExplicitLE, part10: false);
            var opener = new CountingOpener();

            var ex = Assert.Throws<DicomFormatException>(() => DicomStoreSource.OpenWith(path, opener.Open));

            Assert.Contains("SOP Instance UID", ex.Message);
            Assert.True(Assert.Single(opener.Opened).Disposed);
        }

        [Fact]
        public void NotDicomFailsNamingTheFileAfterOneOpenThatIsClosed()
        {
            using var temp = new TempFolder();
            var path = Path.Combine(temp.Path, "notes.dcm");
            File.WriteAllText(path, "this is not a DICOM file, just some words that are long enough to be looked at");
            var opener = new CountingOpener();

            var ex = Assert.Throws<DicomFormatException>(() => DicomStoreSource.FromFile(path, opener.Open));

            Assert.Equal(path, ex.Path);
            Assert.True(Assert.Single(opener.Opened).Disposed);
        }
    }

    internal static class ByteArrayTestExtensions
    {
        public static byte[] AsSpanFrom(this byte[] bytes, long offset)
        {
            var result = new byte[bytes.Length - offset];
            System.Array.Copy(bytes, offset, result, 0, result.Length);
            return result;
        }
    }
}
