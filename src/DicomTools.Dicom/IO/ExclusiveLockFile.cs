using System;
using System.IO;
using System.Text;

namespace DicomTools.Dicom.IO
{
    /// <summary>
    /// A lock file held for as long as this object lives: open with FileShare.None (flock(2) LOCK_EX on Unix, a sharing lock
    /// on Windows), so the lock goes with the process however it ends. A file present but not locked is stale (its holder
    /// died) and is taken over. The file holds who took it, so a refused caller can say who has it.
    /// </summary>
    public sealed class ExclusiveLockFile : IDisposable
    {
        private FileStream? _stream;

        private ExclusiveLockFile(string path, FileStream stream, string? staleContent)
        {
            Path = path; _stream = stream; StaleContent = staleContent;
        }

        /// <summary>The lock file.</summary>
        public string Path { get; }
        /// <summary>What a stale lock file (present, not locked) said when it was taken over; null when there was none.</summary>
        public string? StaleContent { get; }

        /// <summary>Takes the lock and writes <paramref name="content"/> into the file; null with <paramref name="heldBy"/> (the
        /// holder's content, or null when unreadable) when a live process holds it. Never waits.</summary>
        public static ExclusiveLockFile? TryAcquire(string path, string content, out string? heldBy)
        {
            heldBy = null;
            for (var attempt = 0; attempt < 5; attempt++)
            {
                var existed = File.Exists(path);
                string? previous = null;
                if (existed)
                {
                    var bytes = NativeLinux.IsLinux ? NativeLinux.ReadWithoutLocking(path, 64 * 1024) : null;
                    previous = bytes == null ? null : Encoding.UTF8.GetString(bytes);
                }
                FileStream stream;
                try
                {
                    stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                }
                catch (IOException) when (File.Exists(path))
                {
                    var bytes = NativeLinux.IsLinux ? NativeLinux.ReadWithoutLocking(path, 64 * 1024) : null;
                    heldBy = bytes == null ? null : Encoding.UTF8.GetString(bytes);
                    return null;
                }
                try
                {
                    if (NativeLinux.IsLinux && !NativeLinux.TryLock(stream.SafeFileHandle, NativeLinux.LockExclusive))
                    {
                        stream.Dispose();
                        heldBy = previous;
                        return null;
                    }
                    // A holder that was releasing may have unlinked the file we opened: then our lock protects nothing; retry.
                    if (NativeLinux.IsLinux)
                    {
                        var ours = NativeLinux.Stat(stream.SafeFileHandle);
                        var named = NativeLinux.Stat(path);
                        if (ours == null || named == null || ours.Device != named.Device || ours.Inode != named.Inode)
                        {
                            stream.Dispose();
                            continue;
                        }
                    }
                    var data = Encoding.UTF8.GetBytes(content);
                    stream.SetLength(0);
                    stream.Write(data, 0, data.Length);
                    stream.Flush(true);
                    return new ExclusiveLockFile(path, stream, existed && !string.IsNullOrEmpty(previous) ? previous : existed ? "" : null);
                }
                catch
                {
                    stream.Dispose();
                    throw;
                }
            }
            throw new IOException($"Could not take the lock file '{path}': it kept being replaced.");
        }

        /// <summary>Removes the lock file (while still holding it, so nobody takes a file that is going away) and releases it.</summary>
        public void Dispose()
        {
            var stream = _stream;
            if (stream == null) return;
            _stream = null;
            try
            {
                if (!System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Windows)) File.Delete(Path);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            finally
            {
                stream.Dispose();
            }
            if (System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Windows))
            {
                try { File.Delete(Path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
    }
}
