using System;
using System.Runtime.InteropServices;

namespace DicomTools.Dicom.IO
{
    /// <summary>
    /// The few libc calls the file-safety rules need and netstandard2.0 does not offer (file type and identity, advisory
    /// locks, fsync of a folder, real paths). statx is used for stat because its layout is the same on every Linux
    /// architecture, unlike struct stat. Everything here is Linux-only; callers check <see cref="IsLinux"/>.
    /// </summary>
    internal static class NativeLinux
    {
        public static readonly bool IsLinux = RuntimeInformation.IsOSPlatform(OSPlatform.Linux);

        private const int AtFdCwd = -100;
        private const int AtSymlinkNoFollow = 0x100;
        private const int AtEmptyPath = 0x1000;
        private const uint StatxBasicStats = 0x7ff;
        public const int LockExclusive = 2;
        public const int LockNonBlocking = 4;
        public const int LockUnlock = 8;
        private const int WriteOk = 2;
        private const int EWouldBlock = 11;
        private const int ENoSys = 38;

        [DllImport("libc", SetLastError = true, EntryPoint = "statx", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        private static extern int StatxNative(int dirfd, string path, int flags, uint mask, byte[] buffer);

        [DllImport("libc", SetLastError = true, EntryPoint = "flock")]
        private static extern int FlockNative(IntPtr fd, int operation);

        [DllImport("libc", SetLastError = true, EntryPoint = "open", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        private static extern int OpenNative(string path, int flags);

        [DllImport("libc", SetLastError = true, EntryPoint = "read")]
        private static extern IntPtr ReadNative(int fd, byte[] buffer, UIntPtr count);

        [DllImport("libc", SetLastError = true, EntryPoint = "fsync")]
        private static extern int FsyncNative(int fd);

        [DllImport("libc", SetLastError = true, EntryPoint = "sync_file_range")]
        private static extern int SyncFileRangeNative(int fd, long offset, long count, uint flags);

        [DllImport("libc", SetLastError = true, EntryPoint = "close")]
        private static extern int CloseNative(int fd);

        [DllImport("libc", SetLastError = true, EntryPoint = "realpath", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        private static extern IntPtr RealPathNative(string path, IntPtr resolved);

        [DllImport("libc", EntryPoint = "free")]
        private static extern void FreeNative(IntPtr pointer);

        [DllImport("libc", SetLastError = true, EntryPoint = "access", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        private static extern int AccessNative(string path, int mode);

        [DllImport("libc", EntryPoint = "geteuid")]
        private static extern uint GetEuidNative();

        /// <summary>stat (or lstat with <paramref name="followLinks"/> false) of a path; null when it does not exist.</summary>
        public static FileIdentity? Stat(string path, bool followLinks = true)
        {
            var buffer = new byte[256];
            if (StatxNative(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, StatxBasicStats, buffer) != 0) return null;
            return FileIdentity.FromStatx(buffer);
        }

        /// <summary>fstat of an open file descriptor (the file we actually read, whatever the path points at later).</summary>
        public static FileIdentity? Stat(SafeHandle handle)
        {
            var buffer = new byte[256];
            var added = false;
            try
            {
                handle.DangerousAddRef(ref added);
                if (StatxNative(handle.DangerousGetHandle().ToInt32(), "", AtEmptyPath, StatxBasicStats, buffer) != 0) return null;
            }
            finally
            {
                if (added) handle.DangerousRelease();
            }
            return FileIdentity.FromStatx(buffer);
        }

        /// <summary>flock(2) without waiting; false when another open file description holds a conflicting lock.</summary>
        public static bool TryLock(SafeHandle handle, int operation)
        {
            var added = false;
            try
            {
                handle.DangerousAddRef(ref added);
                if (FlockNative(handle.DangerousGetHandle(), operation | LockNonBlocking) == 0) return true;
                var error = Marshal.GetLastWin32Error();
                if (error == EWouldBlock) return false;
                throw new System.IO.IOException("flock failed (errno " + error + ").");
            }
            finally
            {
                if (added) handle.DangerousRelease();
            }
        }

        /// <summary>Makes a rename in <paramref name="folder"/> durable: fsync(2) on the folder itself.</summary>
        public static void FsyncFolder(string folder)
        {
            var fd = OpenNative(folder, 0); // O_RDONLY: a folder can be opened read-only to fsync it
            if (fd < 0) throw new System.IO.IOException("Cannot open folder '" + folder + "' to flush it (errno " + Marshal.GetLastWin32Error() + ").");
            try
            {
                if (FsyncNative(fd) != 0)
                {
                    var error = Marshal.GetLastWin32Error();
                    // Some file systems cannot fsync a folder (EINVAL); the rename is then as durable as they allow.
                    if (error != 22) throw new System.IO.IOException("fsync of folder '" + folder + "' failed (errno " + error + ").");
                }
            }
            finally
            {
                _ = CloseNative(fd); // nothing to do about a failed close of a read-only descriptor
            }
        }

        private const uint SyncFileRangeWrite = 2;

        /// <summary>
        /// sync_file_range(2) with SYNC_FILE_RANGE_WRITE: starts writing the range's dirty pages to the disk and returns
        /// without waiting (a count of 0 means to the end). Only a head start for the fsync(2) that follows: it makes
        /// nothing durable by itself, so any failure (old kernel, a file system without it) is ignored here and the fsync
        /// reports what matters.
        /// </summary>
        public static void StartWriteback(SafeHandle handle, long offset, long count)
        {
            var added = false;
            try
            {
                handle.DangerousAddRef(ref added);
                _ = SyncFileRangeNative(handle.DangerousGetHandle().ToInt32(), offset, count, SyncFileRangeWrite);
            }
            catch (EntryPointNotFoundException)
            {
                // A libc without it: the fsync alone writes the data.
            }
            finally
            {
                if (added) handle.DangerousRelease();
            }
        }

        /// <summary>Reads up to <paramref name="max"/> bytes with plain open/read, which takes no flock (.NET's FileStream does and
        /// would fail on a file another process holds locked); null when it cannot be opened.</summary>
        public static byte[]? ReadWithoutLocking(string path, int max)
        {
            var fd = OpenNative(path, 0);
            if (fd < 0) return null;
            try
            {
                var buffer = new byte[max];
                var total = 0;
                while (total < max)
                {
                    var chunk = new byte[max - total];
                    var n = (long)ReadNative(fd, chunk, (UIntPtr)(uint)chunk.Length);
                    if (n <= 0) break;
                    Buffer.BlockCopy(chunk, 0, buffer, total, (int)n);
                    total += (int)n;
                }
                var result = new byte[total];
                Buffer.BlockCopy(buffer, 0, result, 0, total);
                return result;
            }
            finally
            {
                _ = CloseNative(fd); // nothing to do about a failed close of a read-only descriptor
            }
        }

        /// <summary>realpath(3): every link and "."/".." resolved; null when the path does not exist.</summary>
        public static string? RealPath(string path)
        {
            var result = RealPathNative(path, IntPtr.Zero);
            if (result == IntPtr.Zero) return null;
            try
            {
                return Marshal.PtrToStringAnsi(result);
            }
            finally
            {
                FreeNative(result);
            }
        }

        /// <summary>access(2) with W_OK: the kernel's own answer for this process (ACLs included).</summary>
        public static bool CanWrite(string path) => AccessNative(path, WriteOk) == 0;

        public static bool IsRoot => GetEuidNative() == 0;
    }
}
