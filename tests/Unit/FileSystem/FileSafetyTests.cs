using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using DicomTools.Dicom;
using DicomTools.Dicom.IO;
using DicomTools.Engine.Metadata;
using DicomTools.Engine.Tagging;
using Xunit;

namespace DicomTools.Tests.Unit.FileSystem
{
    /// <summary>What an edit promises on disk (issue 9, items 9-15), against the real file system. Linux-only facts are
    /// skipped elsewhere: these tests run as root in CI, so read-only is the mode bits, not access(2).</summary>
    public sealed class FileSafetyTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dt-fsafety-" + Guid.NewGuid().ToString("N"));

        public FileSafetyTests() => Directory.CreateDirectory(_folder);

        public void Dispose()
        {
            foreach (var f in Directory.GetFiles(_folder, "*", SearchOption.AllDirectories)) File.SetAttributes(f, FileAttributes.Normal);
            Directory.Delete(_folder, recursive: true);
        }

        private static readonly SampleMetadata Sample = new SampleMetadata
        {
            SampleId = "S1", PatientName = "Bella^Smith", Species = "Feline", TestType = "CBC", ClinicName = "Northside",
        };

        private string NewFile(string name, string? folder = null)
        {
            var path = Path.Combine(folder ?? _folder, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var d = new DicomDatasetBuilder()
                .Add(new DicomTag(0x0008, 0x0016), "UI", "1.2.840.10008.5.1.4.1.1.7")
                .Add(new DicomTag(0x0008, 0x0018), "UI", "1.2.3.4.5")
                .Add(new DicomTag(0x0010, 0x0010), "PN", "Rex^Garcia")
                .AddBinary(DicomTag.PixelData, "OW", new byte[64]);
            DicomFileWriter.Write(path, d, "1.2.840.10008.1.2.1");
            return path;
        }

        private static TagFileUpdater Updater(bool force = false) =>
            new TagFileUpdater(SampleTagPlan.Create(Sample, 1, null).Edits, CharacterSetPolicy.ConvertToUtf8, flushToDisk: true) { OverwriteReadOnly = force };

        private static void Run(string file, params string[] args)
        {
            using var p = Process.Start(new ProcessStartInfo(file) { ArgumentList = { }, UseShellExecute = false }.WithArgs(args))!;
            Assert.True(p.WaitForExit(30_000), file + " did not finish");
            Assert.Equal(0, p.ExitCode);
        }

        private string[] TemporaryFiles() => Directory.GetFiles(_folder, "*.tmp", SearchOption.AllDirectories);

        // (9) The rename needs only the folder's permission, so before this a 0444 file was silently replaced.
        [Fact]
        public void AReadOnlyFileIsRefusedAsAccessDeniedAndLeftByteIdentical()
        {
            if (!OperatingSystem.IsLinux()) return;
            var file = NewFile("ro.dcm");
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            var before = File.ReadAllBytes(file);
            var outcome = Updater().Update(new TagFileRequest(file));
            Assert.False(outcome.Succeeded);
            Assert.Equal(TagFailureKind.ReadOnly, outcome.Failure!.Kind);
            var readOnly = Assert.IsType<ReadOnlyFileException>(outcome.Failure.Exception);
            Assert.Equal("mode 0444", readOnly.Protection);
            Assert.IsAssignableFrom<UnauthorizedAccessException>(readOnly);
            Assert.Contains("read-only (mode 0444)", outcome.Failure.Message);
            // The remedy in parameter names (-Force) is the cmdlet's to phrase; the Engine says what is wrong.
            Assert.DoesNotContain("-Force", outcome.Failure.Message);
            Assert.Equal(before, File.ReadAllBytes(file));
            Assert.Empty(TemporaryFiles());
        }

        [Fact]
        public void ForceReplacesAReadOnlyFileAndKeepsItsMode()
        {
            if (!OperatingSystem.IsLinux()) return;
            var file = NewFile("ro.dcm");
            var mode = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            File.SetUnixFileMode(file, mode);
            var outcome = Updater(force: true).Update(new TagFileRequest(file));
            Assert.True(outcome.Succeeded, outcome.Failure?.Message);
            Assert.True(outcome.Written);
            Assert.Equal(mode, File.GetUnixFileMode(file));
        }

        // (10) Before: rename(2) over the link replaced the link by a regular file and left the target unedited.
        [Fact]
        public void EditingThroughASymlinkEditsTheTargetAndKeepsTheLink()
        {
            if (!OperatingSystem.IsLinux()) return;
            var target = NewFile(Path.Combine("real", "a.dcm"));
            var link = Path.Combine(_folder, "link.dcm");
            File.CreateSymbolicLink(link, target);
            var before = File.ReadAllBytes(target);
            var outcome = Updater().Update(new TagFileRequest(link));
            Assert.True(outcome.Succeeded, outcome.Failure?.Message);
            Assert.Equal(target, new FileInfo(link).LinkTarget);
            Assert.NotEqual(before, File.ReadAllBytes(target));
            Assert.Contains(DicomFileReader.ReadElements(target), e => e.Tag == SampleTagPlan.PatientName && e.Value == "Bella^Smith");
            Assert.Empty(TemporaryFiles());
        }

        [Fact]
        public void ADestinationThatIsALinkToTheSourceFolderIsRefusedLikeTheFolderItself()
        {
            if (!OperatingSystem.IsLinux()) return;
            var source = NewFile(Path.Combine("in", "a.dcm"));
            var link = Path.Combine(_folder, "out-link");
            Directory.CreateSymbolicLink(link, Path.Combine(_folder, "in"));
            var layout = new DestinationLayout(link);
            Assert.False(layout.TryGetDestination(source, Path.Combine(_folder, "in"), out _, out var refusal));
            Assert.Equal(DestinationProblem.OntoItself, refusal!.Problem);
        }

        // (11) Before: ./in/out/a.dcm (written by this very run) was accepted and copied to ./in/out/out/a.dcm.
        [Fact]
        public void AFileUnderTheDestinationIsNotCopiedAgain()
        {
            var inFolder = Path.Combine(_folder, "in");
            var copy = NewFile(Path.Combine("in", "out", "a.dcm"));
            var layout = new DestinationLayout(Path.Combine(inFolder, "out"));
            Assert.True(layout.TryGetDestination(Path.Combine(inFolder, "a.dcm"), inFolder, out _, out _));
            Assert.False(layout.TryGetDestination(copy, inFolder, out _, out var refusal));
            Assert.Equal(DestinationProblem.InsideDestination, refusal!.Problem);
            Assert.Contains("copies of copies", refusal.Message);
        }

        // (12) Before: open(2) of a FIFO without a writer never returned.
        [Fact]
        public async Task AFifoNamedDcmIsAnErrorNotAHang()
        {
            if (!OperatingSystem.IsLinux()) return;
            var fifo = Path.Combine(_folder, "pipe.dcm");
            Run("mkfifo", fifo);
            var update = Task.Run(() => Updater().Update(new TagFileRequest(fifo)));
            var read = Task.Run(() => Assert.Throws<NotRegularFileException>(() => DicomFileReader.ReadElements(fifo).ToList()));
            var finished = await Task.WhenAny(Task.WhenAll(update, read), Task.Delay(TimeSpan.FromSeconds(20)));
            if (!update.IsCompleted || !read.IsCompleted)
            {
                using var unblock = new FileStream(fifo, FileMode.Open, FileAccess.Write); // release the stuck reader before failing
                Assert.Fail("Reading a FIFO blocked.");
            }
            var outcome = await update;
            Assert.Equal(TagFailureKind.NotRegularFile, outcome.Failure!.Kind);
            Assert.Contains("FIFO", outcome.Failure.Message);
            Assert.Contains(fifo, outcome.Failure.Message);
            await read;
        }

        // (13) Before: the other writer's version was silently overwritten by ours.
        [Fact]
        public void AFileChangedByAnotherWriterDuringTheEditKeepsTheOtherVersion()
        {
            if (!OperatingSystem.IsLinux()) return;
            var file = NewFile("a.dcm");
            var theirs = File.ReadAllBytes(file);
            theirs[0] ^= 0xFF; // same size: only the inode or mtime can tell
            FileIdentity? identity;
            using (RegularFile.OpenRead(file, 1, FileOptions.None, out identity)) { }
            var e = Assert.Throws<FileChangedException>(() => SafeFileReplacer.Write(file, file, s => s.Write(new byte[] { 1, 2, 3 }, 0, 3), new SafeWriteOptions
            {
                SourceIdentity = identity,
                BeforeReplace = _ =>
                {
                    var other = file + ".other";
                    File.WriteAllBytes(other, theirs);
                    File.Move(other, file, overwrite: true);
                },
            }));
            Assert.Contains("changed while being edited", e.Message);
            Assert.Equal(theirs, File.ReadAllBytes(file));
            Assert.Empty(TemporaryFiles());
        }

        // (14) Before: temporary files left by a killed edit stayed forever.
        [Fact]
        public void AStaleTemporaryFileIsRemovedWithAWarningAndALiveOneIsKept()
        {
            if (!OperatingSystem.IsLinux()) return;
            var file = NewFile("a.dcm");
            var stale = Path.Combine(_folder, ".a.dcm.0123456789ab.tmp");
            var live = Path.Combine(_folder, ".a.dcm.ba9876543210.tmp");
            var unrelated = Path.Combine(_folder, ".a.dcm.notours.tmp");
            File.WriteAllText(stale, "half");
            File.WriteAllText(unrelated, "keep");
            using (var writer = new FileStream(live, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                var outcome = Updater().Update(new TagFileRequest(file));
                Assert.True(outcome.Succeeded, outcome.Failure?.Message);
                Assert.False(File.Exists(stale));
                Assert.True(File.Exists(live));
                Assert.True(File.Exists(unrelated));
                Assert.Contains(outcome.Warnings, w => w.Contains(stale) && w.Contains("interrupted"));
            }
        }

        // (15) The folder fsync runs on every replace; it must work on an ordinary folder (it cannot be observed otherwise).
        [Fact]
        public void TheFolderCanBeFlushedAfterTheRename()
        {
            if (!OperatingSystem.IsLinux()) return;
            NativeLinux.FsyncFolder(_folder);
        }
    }

    internal static class ProcessStartInfoExtensions
    {
        public static ProcessStartInfo WithArgs(this ProcessStartInfo info, string[] args)
        {
            foreach (var a in args) info.ArgumentList.Add(a);
            return info;
        }
    }
}
