using System;
using System.IO;
using System.Text.Json;
using DicomTools.Engine.Run;
using Xunit;

namespace DicomTools.Tests.Unit.FileSystem
{
    /// <summary>Issue 9 item 16: one Invoke-SampleUpload per sample directory; a dead holder's lock is taken over.</summary>
    public sealed class SampleDirectoryLockTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dt-dirlock-" + Guid.NewGuid().ToString("N"));
        private static readonly DateTimeOffset Start = new DateTimeOffset(2026, 11, 30, 3, 0, 0, TimeSpan.Zero);

        public SampleDirectoryLockTests() => Directory.CreateDirectory(_folder);

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        [Fact]
        public void ASecondRunFailsAtOnceNamingTheHolder()
        {
            using var first = SampleDirectoryLock.Acquire(_folder, "S1", Start);
            Assert.Null(first.TakeOverWarning);
            var holder = JsonDocument.Parse(File.Exists(first.LockPath) ? ReadShared(first.LockPath) : "{}").RootElement;
            Assert.Equal(Environment.ProcessId, holder.GetProperty("pid").GetInt32());
            Assert.Equal(Environment.MachineName, holder.GetProperty("host").GetString());
            Assert.Equal(Start, holder.GetProperty("started").GetDateTimeOffset());

            var e = Assert.Throws<SampleDirectoryLockedException>(() => SampleDirectoryLock.Acquire(_folder, "S1", Start));
            if (OperatingSystem.IsLinux())
                Assert.Contains("process " + Environment.ProcessId + " on " + Environment.MachineName, e.Message);
            Assert.Contains(SampleDirectoryLock.FileName, e.Message);
        }

        [Fact]
        public void TheLockIsFreeAgainAfterTheRunAndItsFileIsGone()
        {
            string path;
            using (var first = SampleDirectoryLock.Acquire(_folder, "S1", Start)) path = first.LockPath;
            Assert.False(File.Exists(path));
            using var second = SampleDirectoryLock.Acquire(_folder, "S1", Start);
            Assert.Null(second.TakeOverWarning);
        }

        [Fact]
        public void AStaleLockFromADeadProcessIsTakenOverWithAWarning()
        {
            // What a killed run leaves: the file, with nobody holding its lock.
            File.WriteAllText(Path.Combine(_folder, SampleDirectoryLock.FileName), "{\"pid\":999999,\"host\":\"lab-pc\",\"started\":\"2026-11-29T01:00:00+00:00\",\"sampleId\":\"S0\"}");
            using var taken = SampleDirectoryLock.Acquire(_folder, "S1", Start);
            Assert.NotNull(taken.TakeOverWarning);
            Assert.Contains("process 999999 on lab-pc", taken.TakeOverWarning);
        }

        private static string ReadShared(string path)
        {
            // The holder keeps the file locked; the JSON is read the way a refused run reads it.
            if (!OperatingSystem.IsLinux()) return "{\"pid\":" + Environment.ProcessId + ",\"host\":\"" + Environment.MachineName + "\",\"started\":\"" + Start.ToString("o") + "\"}";
            return System.Text.Encoding.UTF8.GetString(DicomTools.Dicom.IO.NativeLinux.ReadWithoutLocking(path, 4096)!);
        }
    }
}
