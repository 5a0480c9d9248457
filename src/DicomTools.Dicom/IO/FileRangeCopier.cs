using System;
using System.Buffers;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace DicomTools.Dicom.IO
{
    /// <summary>How many bytes of one <see cref="FileRangeCopier.Copy"/> went which way.</summary>
    internal struct RangeCopyResult
    {
        /// <summary>Shared with the source by a reflink (FICLONERANGE): no data moved at all.</summary>
        public long Cloned;
        /// <summary>Copied inside the kernel (copy_file_range): no trip through our memory.</summary>
        public long CopiedInKernel;
        /// <summary>Read into a buffer and written back (other systems, other file systems, or after a kernel refusal).</summary>
        public long CopiedThroughBuffer;
        public long Total => Cloned + CopiedInKernel + CopiedThroughBuffer;
    }

    /// <summary>The two Linux calls the copier uses, behind an interface so tests can make them copy short or fail.</summary>
    internal interface IRangeCopySystem
    {
        /// <summary>False where neither call exists (Windows, macOS): every copy goes through the buffer.</summary>
        bool IsAvailable { get; }
        /// <summary>copy_file_range(2) with explicit offsets (the descriptors' positions are not used): bytes copied, 0 at the
        /// source's end, or -1 with <paramref name="errno"/>.</summary>
        long CopyFileRange(SafeFileHandle source, long sourceOffset, SafeFileHandle destination, long destinationOffset, long count, out int errno);
        /// <summary>ioctl(FICLONERANGE): 0, or -1 with <paramref name="errno"/>. A count of 0 clones to the source's end.</summary>
        int CloneRange(SafeFileHandle source, long sourceOffset, SafeFileHandle destination, long destinationOffset, long count, out int errno);
    }

    /// <summary>
    /// Copies a byte range of one open file to the current end of another without bringing it through user space where the
    /// system allows it: a reflink when both offsets sit on a block boundary (XFS, btrfs), else copy_file_range(2), else
    /// (and for whatever the kernel refuses) a large-buffer read/write loop. This is how an edit writes the untouched tail
    /// of a 1 GiB file at copy speed: only the new header comes from our memory.
    /// </summary>
    internal sealed class FileRangeCopier
    {
        // File systems that reflink use their block size for alignment; 4 KiB is the common block size, and an offset
        // aligned to it that the file system still refuses falls through to copy_file_range anyway.
        internal const int CloneAlignment = 4096;
        private const int StreamBufferSize = 1024 * 1024;
        // Large requests keep the number of system calls low; the kernel itself caps each call near 2 GiB.
        private const long KernelChunk = 1L << 30;

        private const int EIntr = 4;
        private const int EIO = 5;
        private const int EBadF = 9;
        private const int EAcces = 13;
        private const int EPerm = 1;
        private const int EXDev = 18;
        private const int EInval = 22;
        private const int ENotTy = 25;
        private const int EFBig = 27;
        private const int ENoSpc = 28;
        private const int ENoSys = 38;
        private const int EOpNotSupp = 95;
        private const int EDQuot = 122;

        /// <summary>The copier every edit uses: the real system calls on Linux, the buffer elsewhere.</summary>
        public static readonly FileRangeCopier Default = new FileRangeCopier(LinuxRangeCopySystem.Instance);

        /// <summary>
        /// <see cref="Default"/> for a new file that will be fsynced: every <see cref="WriteBehindChunk"/> copied in the kernel
        /// is handed to the disk at once (sync_file_range, no wait), so the disk writes a long tail while the rest is still
        /// being copied instead of all of it in the fsync afterwards. Durability is unchanged: only the fsync makes it durable.
        /// </summary>
        public static readonly FileRangeCopier WriteBehind = new FileRangeCopier(LinuxRangeCopySystem.Instance, writeBehind: true);

        /// <summary>A copier that never asks the kernel (what Windows and macOS get; tests use it to force the fallback).</summary>
        public static readonly FileRangeCopier BufferOnly = new FileRangeCopier(null);

        // Large enough that the calls stay few (32 for 1 GiB), small enough that the disk starts early.
        internal const long WriteBehindChunk = 32L << 20;

        private readonly IRangeCopySystem? _system;
        private readonly bool _writeBehind;

        public FileRangeCopier(IRangeCopySystem? system, bool writeBehind = false)
        {
            _system = system != null && system.IsAvailable ? system : null;
            _writeBehind = writeBehind && NativeLinux.IsLinux;
        }

        /// <summary>
        /// Appends <paramref name="count"/> bytes of <paramref name="source"/> starting at <paramref name="sourceOffset"/> to
        /// <paramref name="destination"/> at its current position (its buffer is flushed first) and leaves the destination
        /// positioned after them. The source's position is not used. A source that ends early is reported, never padded.
        /// </summary>
        /// <exception cref="IOException">The source ended early, or the copy failed (disk full, I/O error: the errno is named).</exception>
        /// <exception cref="UnauthorizedAccessException">The kernel refused the write (EPERM, EACCES).</exception>
        public RangeCopyResult Copy(FileStream source, long sourceOffset, FileStream destination, long count)
        {
            if (source == null) throw new ArgumentNullException(nameof(source));
            if (destination == null) throw new ArgumentNullException(nameof(destination));
            if (sourceOffset < 0) throw new ArgumentOutOfRangeException(nameof(sourceOffset));
            if (count < 0) throw new ArgumentOutOfRangeException(nameof(count));
            var result = new RangeCopyResult();
            if (count == 0) return result;
            destination.Flush();
            var destinationOffset = destination.Position;
            long done = 0;
            if (_system != null)
            {
                done = CopyInKernel(source.SafeFileHandle, sourceOffset, destination.SafeFileHandle, destinationOffset, count, ref result);
                destination.Seek(destinationOffset + done, SeekOrigin.Begin);
            }
            if (done < count)
            {
                CopyThroughBuffer(source, sourceOffset + done, destination, count - done);
                result.CopiedThroughBuffer = count - done;
            }
            return result;
        }

        private long CopyInKernel(SafeFileHandle source, long sourceOffset, SafeFileHandle destination, long destinationOffset, long count, ref RangeCopyResult result)
        {
            var system = _system!;
            long done = 0;
            // A reflink needs both offsets on a block boundary: when they are congruent, the bytes up to the source's next
            // boundary go by copy_file_range and the rest is cloned. When the header grew by an odd amount they are not.
            if ((sourceOffset - destinationOffset) % CloneAlignment == 0)
            {
                var head = (CloneAlignment - sourceOffset % CloneAlignment) % CloneAlignment;
                if (head < count)
                {
                    if (head > 0) done = CopyFileRangeLoop(system, source, sourceOffset, destination, destinationOffset, head, ref result, out var refusedHead, false);
                    // Clone what remains; a refusal (ext4, tmpfs, NFS: EOPNOTSUPP, EXDEV, EINVAL, ENOTTY) just means no reflink here.
                    if (done == head && system.CloneRange(source, sourceOffset + head, destination, destinationOffset + head, count - head, out _) == 0)
                    {
                        result.Cloned = count - head;
                        return count;
                    }
                }
            }
            done += CopyFileRangeLoop(system, source, sourceOffset + done, destination, destinationOffset + done, count - done, ref result, out _, _writeBehind);
            return done;
        }

        /// <summary>Loops over short copies; stops (returning what was copied) when the kernel cannot copy between these files.</summary>
        private static long CopyFileRangeLoop(IRangeCopySystem system, SafeFileHandle source, long sourceOffset, SafeFileHandle destination, long destinationOffset, long count, ref RangeCopyResult result, out bool refused, bool writeBehind)
        {
            refused = false;
            long done = 0;
            var chunk = writeBehind ? WriteBehindChunk : KernelChunk;
            while (done < count)
            {
                var n = system.CopyFileRange(source, sourceOffset + done, destination, destinationOffset + done, Math.Min(chunk, count - done), out var errno);
                if (n > 0)
                {
                    // Only when more follows: the last chunk goes to the disk in the fsync right after the copy anyway.
                    if (writeBehind && done + n < count) NativeLinux.StartWriteback(destination, destinationOffset + done, n);
                    done += n;
                    result.CopiedInKernel += n;
                    continue;
                }
                if (n == 0)
                    throw new IOException($"The source ends {count - done} bytes early (at byte offset {sourceOffset + done}): it changed while it was being copied.");
                if (errno == EIntr) continue;
                if (IsUnsupported(errno)) { refused = true; return done; }
                throw Failure(errno);
            }
            return done;
        }

        /// <summary>The errors that say "not between these files" (other file system, old kernel, special file), not "failed".</summary>
        internal static bool IsUnsupported(int errno) => errno == EXDev || errno == ENoSys || errno == EOpNotSupp || errno == EInval || errno == ENotTy || errno == EBadF;

        /// <summary>An errno the copy cannot work around, as the exception .NET would raise for it.</summary>
        internal static Exception Failure(int errno)
        {
            var message = "Copying the file's data in the kernel failed: " + Describe(errno) + " (errno " + errno + ").";
            if (errno == EPerm || errno == EAcces) return new UnauthorizedAccessException(message);
            return new IOException(message);
        }

        private static string Describe(int errno)
        {
            switch (errno)
            {
                case ENoSpc: return "no space left on the device";
                case EDQuot: return "disk quota exceeded";
                case EIO: return "input/output error";
                case EFBig: return "file too large for the file system";
                case EPerm: return "operation not permitted";
                case EAcces: return "permission denied";
                default: return "system error";
            }
        }

        private static void CopyThroughBuffer(FileStream source, long sourceOffset, FileStream destination, long count)
        {
            source.Seek(sourceOffset, SeekOrigin.Begin);
            // Pooled: a run over many files would otherwise allocate a large-object-heap buffer per file.
            var buffer = ArrayPool<byte>.Shared.Rent(StreamBufferSize);
            try
            {
                while (count > 0)
                {
                    var n = source.Read(buffer, 0, (int)Math.Min(buffer.Length, count));
                    if (n <= 0) throw new IOException($"The source ends {count} bytes early (at byte offset {source.Position}): it changed while it was being copied.");
                    destination.Write(buffer, 0, n);
                    count -= n;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>Whole-file copies for callers outside the codec (a destination copy of a file with nothing to change).</summary>
    public static class FileRangeCopy
    {
        /// <summary>Appends all of <paramref name="source"/> (from byte 0, whatever its position) to <paramref name="destination"/>:
        /// in the kernel where the system can (copy_file_range, reflink), else through a large buffer.</summary>
        public static void AppendWholeFile(FileStream source, Stream destination)
        {
            if (source == null) throw new ArgumentNullException(nameof(source));
            if (destination is FileStream file)
            {
                FileRangeCopier.Default.Copy(source, 0, file, source.Length);
                return;
            }
            source.Seek(0, SeekOrigin.Begin);
            source.CopyTo(destination, 1 << 20);
        }
    }

    /// <summary>The real calls, through libc. A libc without copy_file_range (glibc before 2.27) counts as ENOSYS.</summary>
    internal sealed class LinuxRangeCopySystem : IRangeCopySystem
    {
        public static readonly LinuxRangeCopySystem Instance = new LinuxRangeCopySystem();
        private const int ENoSys = 38;
        // _IOW(0x94, 13, struct file_clone_range): the same number on every Linux architecture .NET runs on.
        private const uint FicloneRange = 0x4020940D;

        [StructLayout(LayoutKind.Sequential)]
        private struct FileCloneRange
        {
            public long SourceFd;
            public ulong SourceOffset;
            public ulong SourceLength;
            public ulong DestinationOffset;
        }

        [DllImport("libc", SetLastError = true, EntryPoint = "copy_file_range")]
        private static extern IntPtr CopyFileRangeNative(int fdIn, ref long offIn, int fdOut, ref long offOut, UIntPtr length, uint flags);

        [DllImport("libc", SetLastError = true, EntryPoint = "ioctl")]
        private static extern int IoctlNative(int fd, UIntPtr request, ref FileCloneRange range);

        private volatile bool _noCopyFileRange;

        public bool IsAvailable => NativeLinux.IsLinux;

        public long CopyFileRange(SafeFileHandle source, long sourceOffset, SafeFileHandle destination, long destinationOffset, long count, out int errno)
        {
            errno = 0;
            if (_noCopyFileRange) { errno = ENoSys; return -1; }
            bool s = false, d = false;
            try
            {
                source.DangerousAddRef(ref s);
                destination.DangerousAddRef(ref d);
                var inOffset = sourceOffset;
                var outOffset = destinationOffset;
                var n = (long)CopyFileRangeNative(source.DangerousGetHandle().ToInt32(), ref inOffset, destination.DangerousGetHandle().ToInt32(), ref outOffset, (UIntPtr)(ulong)count, 0);
                if (n < 0) errno = Marshal.GetLastWin32Error();
                return n;
            }
            catch (EntryPointNotFoundException)
            {
                _noCopyFileRange = true;
                errno = ENoSys;
                return -1;
            }
            finally
            {
                if (d) destination.DangerousRelease();
                if (s) source.DangerousRelease();
            }
        }

        public int CloneRange(SafeFileHandle source, long sourceOffset, SafeFileHandle destination, long destinationOffset, long count, out int errno)
        {
            errno = 0;
            bool s = false, d = false;
            try
            {
                source.DangerousAddRef(ref s);
                destination.DangerousAddRef(ref d);
                var range = new FileCloneRange
                {
                    SourceFd = source.DangerousGetHandle().ToInt64(),
                    SourceOffset = (ulong)sourceOffset,
                    SourceLength = (ulong)count,
                    DestinationOffset = (ulong)destinationOffset,
                };
                var rc = IoctlNative(destination.DangerousGetHandle().ToInt32(), (UIntPtr)FicloneRange, ref range);
                if (rc != 0) errno = Marshal.GetLastWin32Error();
                return rc;
            }
            finally
            {
                if (d) destination.DangerousRelease();
                if (s) source.DangerousRelease();
            }
        }
    }
}
