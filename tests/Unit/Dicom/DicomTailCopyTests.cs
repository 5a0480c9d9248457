using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DicomTools.Dicom;
using DicomTools.Dicom.IO;
using DicomTools.Tests.Unit.Support;
using Microsoft.Win32.SafeHandles;
using Xunit;
using static DicomTools.Tests.Unit.Dicom.DicomTestFiles;

namespace DicomTools.Tests.Unit.Dicom
{
    /// <summary>The untouched tail of an edited file is copied by file range: in the kernel on Linux, through a buffer elsewhere.</summary>
    public class DicomTailCopyTests
    {
        /// <summary>Passes calls to the real system (or answers them itself) and records what was asked.</summary>
        private sealed class ScriptedSystem : IRangeCopySystem
        {
            private readonly IRangeCopySystem? _real;
            public ScriptedSystem(IRangeCopySystem? real) { _real = real; }
            public List<(long Offset, long Count, long Result)> Copies { get; } = new List<(long, long, long)>();
            public int Clones { get; private set; }
            /// <summary>Caps each copy_file_range call (a short copy), as the kernel may.</summary>
            public long MaxPerCall { get; set; } = long.MaxValue;
            /// <summary>Fails the call with this number (after <see cref="FailAfterCalls"/> good calls).</summary>
            public int FailWith { get; set; }
            public int FailAfterCalls { get; set; }
            public int CloneErrno { get; set; } = 95; // EOPNOTSUPP: as on ext4 and tmpfs
            public bool IsAvailable => true;

            public long CopyFileRange(SafeFileHandle source, long sourceOffset, SafeFileHandle destination, long destinationOffset, long count, out int errno)
            {
                errno = 0;
                if (FailWith != 0 && Copies.Count >= FailAfterCalls)
                {
                    errno = FailWith;
                    Copies.Add((sourceOffset, count, -1));
                    return -1;
                }
                var n = _real != null
                    ? _real.CopyFileRange(source, sourceOffset, destination, destinationOffset, Math.Min(count, MaxPerCall), out errno)
                    : throw new InvalidOperationException("no real system");
                Copies.Add((sourceOffset, count, n));
                return n;
            }

            public int CloneRange(SafeFileHandle source, long sourceOffset, SafeFileHandle destination, long destinationOffset, long count, out int errno)
            {
                Clones++;
                errno = CloneErrno;
                return -1;
            }
        }

        private static (string Path, byte[] Before) LargeImage(TempFolder t)
        {
            // 3 MB of pixels with a pattern that a misplaced offset would show.
            var pixels = Enumerable.Range(0, 3 * 1024 * 1024 + 6).Select(i => (byte)(i * 31 + (i >> 12))).ToArray();
            var path = Write(t, "big.dcm", Image(pixels: pixels, rows: 1024, columns: 1536), ExplicitLE);
            return (path, File.ReadAllBytes(path));
        }

        private static byte[] Tail(byte[] bytes, int length) => bytes.Skip(bytes.Length - length).ToArray();

        private static DicomEditOptions With(FileRangeCopier copier) => new DicomEditOptions { FlushToDisk = false, TailCopier = copier };

        [Fact]
        public void TheTailIsCopiedByteIdenticallyInTheKernel()
        {
            if (!OperatingSystem.IsLinux()) return;
            using var t = new TempFolder();
            var (path, before) = LargeImage(t);
            var system = new ScriptedSystem(LinuxRangeCopySystem.Instance);
            var result = DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "Much^Longer^Name^Than^Before") }, With(new FileRangeCopier(system)));
            Assert.True(result.Written);
            var after = File.ReadAllBytes(path);
            // The header grew; everything from the pixel data on is the same bytes, and they went through copy_file_range.
            Assert.True(after.Length > before.Length);
            var pixelTail = 3 * 1024 * 1024;
            Assert.Equal(Tail(before, pixelTail), Tail(after, pixelTail));
            // What the reader had already buffered (up to its 256 KiB) is written from that buffer; the rest goes through the kernel.
            var inKernel = system.Copies.Sum(c => Math.Max(0, c.Result));
            Assert.True(inKernel >= pixelTail - 256 * 1024, "only " + inKernel + " bytes of the pixel data were copied in the kernel");
            Assert.Equal("Much^Longer^Name^Than^Before", DicomFileReader.ReadElements(path).Single(e => e.Tag == PatientName).Value);
        }

        [Fact]
        public void TheForcedFallbackCopiesTheSameBytes()
        {
            using var t = new TempFolder();
            var (path, _) = LargeImage(t);
            var copy = t.File("copy.dcm");
            File.Copy(path, copy);
            var edits = new[] { DicomEdit.Set(PatientName, "Other^Name"), DicomEdit.Set(InstitutionName, "North") };
            DicomFileEditor.Edit(path, edits, With(FileRangeCopier.BufferOnly));
            DicomFileEditor.Edit(copy, edits, With(FileRangeCopier.Default));
            Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(copy));
        }

        [Fact]
        public void ShortCopiesAreLoopedUntilTheTailIsComplete()
        {
            if (!OperatingSystem.IsLinux()) return;
            using var t = new TempFolder();
            var (path, before) = LargeImage(t);
            var system = new ScriptedSystem(LinuxRangeCopySystem.Instance) { MaxPerCall = 100_003 };
            DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "Short^Copies") }, With(new FileRangeCopier(system)));
            Assert.True(system.Copies.Count >= 25, "expected many short copies, saw " + system.Copies.Count);
            Assert.All(system.Copies, c => Assert.True(c.Result > 0));
            // Each call starts where the previous one ended.
            for (var i = 1; i < system.Copies.Count; i++) Assert.Equal(system.Copies[i - 1].Offset + system.Copies[i - 1].Result, system.Copies[i].Offset);
            Assert.Equal(Tail(before, 3 * 1024 * 1024), Tail(File.ReadAllBytes(path), 3 * 1024 * 1024));
        }

        [Theory]
        [InlineData(18)] // EXDEV: another file system (older kernels)
        [InlineData(38)] // ENOSYS: no such call
        [InlineData(95)] // EOPNOTSUPP
        [InlineData(22)] // EINVAL: e.g. a file system without support
        public void AKernelRefusalMidwayFallsBackToTheBufferForTheRest(int errno)
        {
            if (!OperatingSystem.IsLinux()) return;
            using var t = new TempFolder();
            var (path, before) = LargeImage(t);
            var system = new ScriptedSystem(LinuxRangeCopySystem.Instance) { MaxPerCall = 1_000_000, FailWith = errno, FailAfterCalls = 2 };
            var copier = new FileRangeCopier(system);
            DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "Fallback^Midway") }, With(copier));
            Assert.Equal(3, system.Copies.Count); // two good calls, the refusal, then no more kernel calls
            Assert.Equal(Tail(before, 3 * 1024 * 1024), Tail(File.ReadAllBytes(path), 3 * 1024 * 1024));
        }

        [Theory]
        [InlineData(28, typeof(IOException), "no space left")]
        [InlineData(5, typeof(IOException), "input/output error")]
        [InlineData(1, typeof(UnauthorizedAccessException), "not permitted")]
        public void AKernelFailureLeavesTheFileByteIdenticalAndNamesTheError(int errno, Type expected, string words)
        {
            if (!OperatingSystem.IsLinux()) return;
            using var t = new TempFolder();
            var (path, before) = LargeImage(t);
            var system = new ScriptedSystem(LinuxRangeCopySystem.Instance) { MaxPerCall = 1_000_000, FailWith = errno, FailAfterCalls = 1 };
            var ex = Assert.Throws(expected, () => DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "Disk^Full") }, With(new FileRangeCopier(system))));
            Assert.Contains(words, ex.Message, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("errno " + errno, ex.Message);
            Assert.Equal(before, File.ReadAllBytes(path));
            Assert.Single(Directory.GetFiles(t.Path));
        }

        [Fact]
        public void ASameSizeEditOnBlockAlignedOffsetsTriesAReflinkAndFallsBackWhenRefused()
        {
            if (!OperatingSystem.IsLinux()) return;
            using var t = new TempFolder();
            var (path, before) = LargeImage(t);
            var system = new ScriptedSystem(LinuxRangeCopySystem.Instance);
            // Same length as "Doe^Rex": the header keeps its size, so source and destination offsets are congruent.
            DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "Roe^Max") }, With(new FileRangeCopier(system)));
            Assert.Equal(1, system.Clones);
            var after = File.ReadAllBytes(path);
            Assert.Equal(before.Length, after.Length);
            Assert.Equal(Tail(before, 3 * 1024 * 1024), Tail(after, 3 * 1024 * 1024));
        }

        [Fact]
        public void ASourceThatEndsEarlyIsAnErrorNotAShortFile()
        {
            using var t = new TempFolder();
            var source = t.File("src.bin");
            File.WriteAllBytes(source, new byte[1000]);
            using var input = new FileStream(source, FileMode.Open, FileAccess.Read);
            using var output = new FileStream(t.File("dst.bin"), FileMode.CreateNew, FileAccess.Write);
            foreach (var copier in new[] { FileRangeCopier.Default, FileRangeCopier.BufferOnly })
            {
                var ex = Assert.Throws<IOException>(() => copier.Copy(input, 500, output, 600));
                Assert.Contains("ends 100 bytes early", ex.Message);
                output.SetLength(0);
                output.Position = 0;
            }
        }
    }
}
