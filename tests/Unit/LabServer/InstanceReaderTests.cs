using System;
using System.IO;
using System.Linq;
using DicomTools.LabServer;
using Xunit;

namespace DicomTools.Tests.Unit.LabServer
{
    public sealed class InstanceReaderTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "dicomtools-reader-" + Guid.NewGuid().ToString("N"));
        private readonly IInstanceReader _reader = new CodecInstanceReader();

        public void Dispose()
        {
            if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
        }

        [Theory]
        [InlineData(TestDicom.ExplicitLittle, false)]
        [InlineData(TestDicom.ImplicitLittle, false)]
        [InlineData(TestDicom.ExplicitLittle, true)]
        [InlineData(TestDicom.ImplicitLittle, true)]
        [InlineData(TestDicom.DeflatedExplicitLittle, true)]
        public void ReadsTheIdentityInEachTransferSyntax(string transferSyntax, bool withSequence)
        {
            var path = new TestDicom { TransferSyntax = transferSyntax, WithSequence = withSequence, PatientId = "P 7" }.WriteTo(_dir);
            var summary = _reader.Read(path);
            Assert.Equal("1.2.826.0.1.3680043.2.1125.1.1.1", summary.SopInstanceUid);
            Assert.Equal("1.2.826.0.1.3680043.2.1125.1", summary.StudyInstanceUid);
            // Not the Series UID inside the sequence item.
            Assert.Equal("1.2.826.0.1.3680043.2.1125.1.1", summary.SeriesInstanceUid);
            Assert.Equal("P 7", summary.PatientId);
            Assert.Equal(TestDicom.SecondaryCapture, summary.SopClassUid);
        }

        [Fact]
        public void RefusesAFileWithoutThePart10Header()
        {
            var path = Path.Combine(Directory.CreateDirectory(_dir).FullName, "x.dcm");
            File.WriteAllBytes(path, new byte[300]);
            Assert.Throws<InvalidInstanceException>(() => _reader.Read(path));
        }

        [Fact]
        public void RefusesAFileWithoutSopInstanceUid()
        {
            var path = new TestDicom { SopInstanceUid = null }.WriteTo(_dir, "nosop.dcm");
            var e = Assert.Throws<InvalidInstanceException>(() => _reader.Read(path));
            Assert.Contains("(0008,0018)", e.Message);
        }

        [Theory]
        [InlineData(TestDicom.ExplicitLittle)]
        [InlineData(TestDicom.ImplicitLittle)]
        [InlineData(TestDicom.DeflatedExplicitLittle)]
        public void EveryTruncationIsReadOrRefusedCleanly(string transferSyntax)
        {
            // The server must answer 400, never 500, whatever a client cuts off.
            var bytes = new TestDicom { TransferSyntax = transferSyntax, WithSequence = true }.ToBytes();
            var path = Path.Combine(Directory.CreateDirectory(_dir).FullName, "cut.dcm");
            var refused = 0;
            for (var length = 0; length < bytes.Length; length++)
            {
                File.WriteAllBytes(path, bytes.AsSpan(0, length).ToArray());
                try { _reader.Read(path); }
                catch (InvalidInstanceException) { refused++; }
            }
            // Everything up to the end of the SOP Instance UID lacks the identity, so at least that is refused.
            Assert.True(refused > 200, $"only {refused} of {bytes.Length} truncations were refused");
        }

        [Fact]
        public void RefusesATruncatedFile()
        {
            var bytes = new TestDicom().ToBytes();
            var path = Path.Combine(Directory.CreateDirectory(_dir).FullName, "t.dcm");
            File.WriteAllBytes(path, bytes.AsSpan(0, 220).ToArray());
            Assert.Throws<InvalidInstanceException>(() => _reader.Read(path));
        }
    }

    public sealed class CommandLineTests
    {
        [Fact]
        public void ParsesThePortStorageAndKeys()
        {
            var options = CommandLine.Parse(new[] { "--urls", "http://127.0.0.1:5123", "--storage", "/tmp/x", "--md-key=k1", "--upload-key", "k2", "--analytics-key", "k3", "--log-key", "k4" }, _ => null);
            Assert.Equal(5123, options.Port);
            Assert.Equal("/tmp/x", options.StoragePath);
            Assert.Equal(("k1", "k2", "k3", "k4"), (options.Keys.MdKey, options.Keys.UploadKey, options.Keys.AnalyticsKey, options.Keys.LogKey));
        }

        [Fact]
        public void TakesKeysFromTheEnvironmentButArgumentsWin()
        {
            var environment = new System.Collections.Generic.Dictionary<string, string> { ["LABSERVER_MD_KEY"] = "env-md", ["LABSERVER_LOG_KEY"] = "env-log" };
            var keys = CommandLine.Parse(new[] { "--log-key", "arg-log" }, name => environment.TryGetValue(name, out var v) ? v : null).Keys;
            Assert.Equal(("env-md", "upload-test-key", "arg-log"), (keys.MdKey, keys.UploadKey, keys.LogKey));
        }

        [Fact]
        public void DefaultsToTheContractKeys()
        {
            var keys = CommandLine.Parse(Array.Empty<string>(), _ => null).Keys;
            Assert.Equal(("md-test-key", "upload-test-key", "analytics-test-key", "log-test-key"), (keys.MdKey, keys.UploadKey, keys.AnalyticsKey, keys.LogKey));
        }

        [Theory]
        [InlineData("--urls", "http://0.0.0.0:80")]
        [InlineData("--urls", "https://127.0.0.1:0")]
        [InlineData("--md-key", "")]
        [InlineData("--bogus", "1")]
        public void RefusesWhatItCannotHonour(string name, string value) =>
            Assert.Throws<ArgumentException>(() => CommandLine.Parse(new[] { name, value }, _ => null));
    }
}

namespace DicomTools.Tests.Unit.LabServer
{
    public sealed class InstanceStoreTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "dicomtools-store-" + Guid.NewGuid().ToString("N"));

        public void Dispose()
        {
            if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
        }

        private PendingInstance Pending(InstanceStore store, int n, bool fileExists = true)
        {
            var path = store.NewIncomingPath();
            if (fileExists) File.WriteAllBytes(path, TestDicom.Instance(n).ToBytes());
            return new PendingInstance(path, new InstanceSummary(TestDicom.SecondaryCapture, "1.2.3." + n, "1.2", "1.2.3", "P"), 10);
        }

        [Fact]
        public void AFailureMidwayTakesBackWhatTheBatchAlreadyStored()
        {
            var store = new InstanceStore(_dir);
            var batch = new[] { Pending(store, 1), Pending(store, 2), Pending(store, 3, fileExists: false) };

            Assert.ThrowsAny<IOException>(() => store.CommitAll(batch, "archive"));

            Assert.Empty(store.Instances);
            Assert.Empty(Directory.GetFiles(_dir, "*.dcm"));
            // The index is as it was: the same files commit cleanly afterwards.
            var retry = new[] { Pending(store, 1), Pending(store, 2) };
            Assert.All(store.CommitAll(retry, "archive"), r => Assert.Equal(StoreStatus.Success, r.Status));
            Assert.Equal(2, store.Instances.Count);
        }

        [Fact]
        public void ADuplicateInsideOneBatchIsAlreadyStoredAndItsTempFileGoes()
        {
            var store = new InstanceStore(_dir);
            var results = store.CommitAll(new[] { Pending(store, 1), Pending(store, 1) }, "archive");
            Assert.Equal(new[] { StoreStatus.Success, StoreStatus.AlreadyStored }, results.Select(r => r.Status));
            Assert.Single(store.Instances);
            Assert.Empty(Directory.GetFiles(store.IncomingPath));
        }
    }
}
