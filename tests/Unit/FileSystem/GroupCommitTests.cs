using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Dicom;
using DicomTools.Dicom.IO;
using DicomTools.Engine.Metadata;
using DicomTools.Engine.Tagging;
using Xunit;

namespace DicomTools.Tests.Unit.FileSystem
{
    /// <summary>
    /// The group commit keeps each file's promise: its data is flushed before its rename, and its result is released only
    /// after a folder flush that started after its rename; a failed flush fails that file alone, its original kept.
    /// </summary>
    public sealed class GroupCommitTests : IDisposable
    {
        private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30); // a failure guard only: nothing here waits on time
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dt-group-" + Guid.NewGuid().ToString("N"));

        public GroupCommitTests() => Directory.CreateDirectory(_folder);

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        /// <summary>Does the real steps and records them in order; can hold a folder flush open, or make a step fail.</summary>
        private sealed class RecordingDurability : IFileDurability
        {
            private readonly object _gate = new object();
            private int _folderFlushes;
            public List<string> Log { get; } = new List<string>();
            public Func<string, bool> FailFlushOf { get; set; } = _ => false;
            public bool FailFolderFlush { get; set; }
            /// <summary>Set: the first folder flush waits for <see cref="ReleaseFirstFolderFlush"/> after <see cref="FirstFolderFlushStarted"/>.</summary>
            public bool HoldFirstFolderFlush { get; set; }
            public ManualResetEventSlim FirstFolderFlushStarted { get; } = new ManualResetEventSlim();
            public ManualResetEventSlim ReleaseFirstFolderFlush { get; } = new ManualResetEventSlim();

            public void Add(string entry) { lock (_gate) Log.Add(entry); }
            public int IndexOf(string entry) { lock (_gate) return Log.IndexOf(entry); }

            public void FlushFile(FileStream file)
            {
                var name = TargetName(file.Name);
                if (FailFlushOf(name)) { Add("flush-failed " + name); throw new IOException("fsync failed: input/output error (injected)"); }
                file.Flush(true);
                Add("flush " + name);
            }

            public void Rename(string temporary, string target)
            {
                SystemFileDurability.Instance.Rename(temporary, target);
                Add("rename " + Path.GetFileName(target));
            }

            public void FlushFolder(string folder)
            {
                var n = Interlocked.Increment(ref _folderFlushes);
                Add("folder-start " + n);
                if (n == 1 && HoldFirstFolderFlush)
                {
                    FirstFolderFlushStarted.Set();
                    if (!ReleaseFirstFolderFlush.Wait(Guard)) throw new TimeoutException("the test never released the folder flush");
                }
                if (FailFolderFlush) { Add("folder-failed " + n); throw new IOException("fsync of the folder failed (injected)"); }
                SystemFileDurability.Instance.FlushFolder(folder);
                Add("folder-end " + n);
            }

            // ".a.dcm.0123456789ab.tmp" -> "a.dcm"
            private static string TargetName(string temporary)
            {
                var name = Path.GetFileName(temporary);
                return name.Substring(1, name.Length - 1 - 1 - 12 - 4);
            }
        }

        private string NewFile(string name, string content)
        {
            var path = Path.Combine(_folder, name);
            File.WriteAllText(path, content);
            return path;
        }

        private static StagedReplacement Stage(string path, string content) =>
            SafeFileReplacer.Stage(path, path, s => { var b = System.Text.Encoding.ASCII.GetBytes(content); s.Write(b, 0, b.Length); });

        private string[] TemporaryFiles() => Directory.GetFiles(_folder, ".*.tmp");

        [Fact]
        public async Task EachFileIsFlushedBeforeItsRenameAndReleasedAfterTheFolderFlush()
        {
            var durability = new RecordingDurability();
            var committer = new GroupCommitter(durability);
            var a = NewFile("a.dcm", "old a");
            var task = committer.Commit(Stage(a, "new a"));
            var done = task.ContinueWith(_ => durability.Add("done a.dcm"), TaskScheduler.Default);
            await done.WaitAsync(Guard);

            Assert.Equal(new[] { "flush a.dcm", "rename a.dcm", "folder-start 1", "folder-end 1", "done a.dcm" }, durability.Log);
            Assert.Equal("new a", File.ReadAllText(a));
            Assert.Empty(TemporaryFiles());
        }

        [Fact]
        public async Task ARenameDuringAFolderFlushWaitsForTheNextFlushWhichCoversEveryRenameBeforeIt()
        {
            var durability = new RecordingDurability { HoldFirstFolderFlush = true };
            var committer = new GroupCommitter(durability);
            var a = NewFile("a.dcm", "old a");
            var b = NewFile("b.dcm", "old b");
            var c = NewFile("c.dcm", "old c");

            // a's committer runs folder flush 1 and is held inside it.
            var first = Task.Run(() => committer.Commit(Stage(a, "new a")));
            Assert.True(durability.FirstFolderFlushStarted.Wait(Guard));
            // b and c are renamed while flush 1 runs: flush 1 started before their renames and must not release them.
            var taskB = committer.Commit(Stage(b, "new b"));
            var taskC = committer.Commit(Stage(c, "new c"));
            Assert.Equal("new b", File.ReadAllText(b)); // renamed already...
            Assert.False(taskB.IsCompleted);           // ...but not yet durable: no result
            Assert.False(taskC.IsCompleted);
            Assert.False(first.IsCompleted);

            durability.ReleaseFirstFolderFlush.Set();
            await first.WaitAsync(Guard);
            await taskB.WaitAsync(Guard);
            await taskC.WaitAsync(Guard);

            // One second flush covers both b and c, and it started after both renames.
            var start2 = durability.IndexOf("folder-start 2");
            Assert.True(durability.IndexOf("rename b.dcm") < start2);
            Assert.True(durability.IndexOf("rename c.dcm") < start2);
            Assert.True(durability.IndexOf("folder-end 2") > start2);
            Assert.Equal(-1, durability.IndexOf("folder-start 3"));
            Assert.Equal(2, committer.FolderFlushes);
            foreach (var name in new[] { "a.dcm", "b.dcm", "c.dcm" })
                Assert.True(durability.IndexOf("flush " + name) < durability.IndexOf("rename " + name));
        }

        [Fact]
        public async Task AFailedFlushFailsThatFileAloneAndKeepsItsOriginalBytes()
        {
            var durability = new RecordingDurability { FailFlushOf = name => name == "bad.dcm" };
            var committer = new GroupCommitter(durability);
            var good = NewFile("good.dcm", "old good");
            var bad = NewFile("bad.dcm", "old bad");
            var before = File.ReadAllBytes(bad);

            var badTask = committer.Commit(Stage(bad, "new bad"));
            var goodTask = committer.Commit(Stage(good, "new good"));

            await Assert.ThrowsAsync<IOException>(() => badTask.WaitAsync(Guard));
            await goodTask.WaitAsync(Guard);
            Assert.Equal(before, File.ReadAllBytes(bad));
            Assert.Equal("new good", File.ReadAllText(good));
            Assert.Equal(-1, durability.IndexOf("rename bad.dcm"));
            Assert.Empty(TemporaryFiles());
        }

        [Fact]
        public async Task AFailedFolderFlushSaysTheFileWasReplacedButNotProvenDurable()
        {
            var durability = new RecordingDurability { FailFolderFlush = true };
            var committer = new GroupCommitter(durability);
            var a = NewFile("a.dcm", "old a");

            var folder = await Assert.ThrowsAsync<FolderFlushException>(() => committer.Commit(Stage(a, "new a")).WaitAsync(Guard));
            Assert.Contains("was replaced by its new version", folder.Message);
            Assert.Contains("may read as the old or the new version", folder.Message);
            Assert.Empty(TemporaryFiles());
        }

        /// <summary>Blocks its disposal until released, as the last close of a replaced 1 GiB file blocks in the kernel.</summary>
        private sealed class SlowRelease : IDisposable
        {
            public ManualResetEventSlim Entered { get; } = new ManualResetEventSlim();
            public ManualResetEventSlim Release { get; } = new ManualResetEventSlim();
            public bool Disposed { get; private set; }
            public void Dispose()
            {
                Entered.Set();
                if (!Release.Wait(Guard)) throw new TimeoutException("the test never released the held file");
                Disposed = true;
            }
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public async Task ALargeReplacedFileIsReleasedAfterTheResultASmallOneBefore(bool large)
        {
            var committer = new GroupCommitter(new RecordingDurability());
            var a = NewFile("a.dcm", "old a");
            var held = new SlowRelease();
            var size = large ? StagedReplacement.BackgroundReleaseBytes : 64;
            // A sparse file of that size: the threshold is about what was written, not how long writing took.
            var staged = SafeFileReplacer.Stage(a, a, s => s.SetLength(size), holdOpen: held);

            var commit = Task.Run(() => committer.Commit(staged));
            Assert.True(held.Entered.Wait(Guard)); // the release began: on a pool thread, or on the committing thread
            if (large)
            {
                // The result is out while the replaced file is still being released.
                await commit.WaitAsync(Guard);
                Assert.False(held.Disposed);
                held.Release.Set();
            }
            else
            {
                Assert.False(commit.IsCompleted); // a small file's close is part of its commit, as before
                held.Release.Set();
                await commit.WaitAsync(Guard);
                Assert.True(held.Disposed);
            }
            Assert.Equal(size, new FileInfo(a).Length);
            Assert.Empty(TemporaryFiles());
        }

        private string NewDicomFile(string name)
        {
            var path = Path.Combine(_folder, name);
            var d = new DicomDatasetBuilder()
                .Add(new DicomTag(0x0008, 0x0016), "UI", "1.2.840.10008.5.1.4.1.1.7")
                .Add(new DicomTag(0x0008, 0x0018), "UI", "1.2.3.4.5")
                .Add(new DicomTag(0x0010, 0x0010), "PN", "Rex^Garcia")
                .AddBinary(DicomTag.PixelData, "OW", new byte[64]);
            DicomFileWriter.Write(path, d, "1.2.840.10008.1.2.1");
            return path;
        }

        private static readonly SampleMetadata Sample = new SampleMetadata
        {
            SampleId = "S1", PatientName = "Bella^Smith", Species = "Feline", TestType = "CBC", ClinicName = "Northside",
        };

        [Fact]
        public async Task TheUpdaterReportsAFailedFlushAsAFailedFileLeftUnchanged()
        {
            var durability = new RecordingDurability { FailFlushOf = name => name == "bad.dcm" };
            var updater = new TagFileUpdater(SampleTagPlan.Create(Sample, 1, null).Edits, CharacterSetPolicy.ConvertToUtf8, flushToDisk: true, committer: new GroupCommitter(durability));
            var bad = NewDicomFile("bad.dcm");
            var good = NewDicomFile("good.dcm");
            var before = File.ReadAllBytes(bad);

            var badOutcome = await updater.UpdateAsync(new TagFileRequest(bad)).WaitAsync(Guard);
            var goodOutcome = updater.Update(new TagFileRequest(good));

            Assert.False(badOutcome.Succeeded);
            Assert.Equal(TagFailureKind.IOError, badOutcome.Failure!.Kind);
            Assert.Contains("left unchanged", badOutcome.Failure.Message);
            Assert.Equal(before, File.ReadAllBytes(bad));
            Assert.True(goodOutcome.Succeeded);
            Assert.True(goodOutcome.Written);
            Assert.True(durability.IndexOf("rename good.dcm") < durability.IndexOf("folder-end " + durability.Log.Count(l => l.StartsWith("folder-end", StringComparison.Ordinal))));
            Assert.Empty(TemporaryFiles());
        }

        [Fact]
        public async Task TheUpdatersOutcomeComesOnlyAfterTheFolderFlushThatCoversIt()
        {
            var durability = new RecordingDurability { HoldFirstFolderFlush = true };
            var updater = new TagFileUpdater(SampleTagPlan.Create(Sample, 1, null).Edits, CharacterSetPolicy.ConvertToUtf8, flushToDisk: true, committer: new GroupCommitter(durability));
            var a = NewDicomFile("a.dcm");
            var b = NewDicomFile("b.dcm");

            var first = Task.Run(() => updater.Update(new TagFileRequest(a)));
            Assert.True(durability.FirstFolderFlushStarted.Wait(Guard));
            var second = updater.UpdateAsync(new TagFileRequest(b));
            Assert.False(first.IsCompleted);
            Assert.False(second.IsCompleted);

            durability.ReleaseFirstFolderFlush.Set();
            var outcomes = new[] { await first.WaitAsync(Guard), await second.WaitAsync(Guard) };
            Assert.All(outcomes, o => Assert.True(o.Written));
            Assert.True(durability.IndexOf("rename b.dcm") < durability.IndexOf("folder-start 2"));
        }
    }
}
