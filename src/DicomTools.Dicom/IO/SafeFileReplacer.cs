using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace DicomTools.Dicom.IO
{
    /// <summary>How <see cref="SafeFileReplacer.Write"/> treats the file it replaces.</summary>
    public sealed class SafeWriteOptions
    {
        /// <summary>fsync the new file before the rename and its folder after it (Linux), so a power loss leaves old or new.</summary>
        public bool FlushToDisk { get; set; } = true;
        /// <summary>Replace a read-only target too; its mode or ReadOnly attribute is kept on the new file.</summary>
        public bool OverwriteReadOnly { get; set; }
        /// <summary>The source as it was when it was opened for reading: if it is another file (or was modified) just before the
        /// rename, the new file is discarded with <see cref="FileChangedException"/>. Null: not checked.</summary>
        public FileIdentity? SourceIdentity { get; set; }
        /// <summary>Receives what the caller should pass on as a warning (e.g. stale temporary files removed).</summary>
        public Action<string>? Warning { get; set; }
        /// <summary>Look for the target's temporary files left by a killed edit before writing (default). A caller that
        /// already swept the whole folder once (<see cref="SafeFileReplacer.RemoveStaleTemporaryFilesIn"/>) turns it off:
        /// listing a folder of 2000 files for each of them would cost more than the edits.</summary>
        public bool SweepStaleTemporaryFiles { get; set; } = true;
        /// <summary>Called with the target's real folder (links resolved) before the temporary file is made there: a caller
        /// that sweeps each folder once learns the folder without resolving the path a second time.</summary>
        public Action<string>? PreparingFolder { get; set; }
        /// <summary>Test hook: runs after the new file is complete and before it replaces the target.</summary>
        internal Action<string>? BeforeReplace { get; set; }
    }

    /// <summary>
    /// Replaces a file so that a reader (or a crash) only ever sees the old or the new content: the new content is written to
    /// a temporary file beside the target (links resolved, so a link keeps pointing at the edited file), flushed, given the
    /// original's permissions and renamed over the target. The temporary file ("." + name + "." + 12 hex digits + ".tmp") is
    /// flock(2)ed while it is live, so a later run can tell one left by a killed process and remove it.
    /// </summary>
    public static class SafeFileReplacer
    {
        /// <summary>
        /// Writes <paramref name="target"/> through <paramref name="writeContent"/> atomically and durably; <paramref name="source"/>
        /// is the file read (its permissions go to a new target). On any error before the rename the temporary file is removed
        /// and the target is untouched.
        /// </summary>
        /// <exception cref="ReadOnlyFileException">The target is read-only and <see cref="SafeWriteOptions.OverwriteReadOnly"/> is off.</exception>
        /// <exception cref="FileChangedException">The source changed between our read and the rename.</exception>
        /// <exception cref="FolderFlushException">The target was replaced but its folder could not be flushed.</exception>
        public static void Write(string source, string target, Action<Stream> writeContent, SafeWriteOptions? options = null)
        {
            using (var staged = Stage(source, target, writeContent, options)) Commit(staged);
        }

        /// <summary>
        /// Commits one staged replacement on its own: fsync of the new file, source check, rename, fsync of the folder (what a
        /// <see cref="GroupCommitter"/> does for many at once). The caller still disposes <paramref name="staged"/>.
        /// </summary>
        /// <exception cref="FileChangedException">The source changed since it was read: nothing was renamed.</exception>
        /// <exception cref="FolderFlushException">The target was replaced but its folder could not be flushed.</exception>
        public static void Commit(StagedReplacement staged) => Commit(staged, SystemFileDurability.Instance);

        internal static void Commit(StagedReplacement staged, IFileDurability durability)
        {
            if (staged == null) throw new ArgumentNullException(nameof(staged));
            staged.FlushData(durability);
            staged.Publish(durability);
            staged.FlushFolder(durability);
        }

        /// <summary>
        /// The first half of <see cref="Write"/>: the new content is complete in a temporary file beside the target, with the
        /// target's (or the source's) permissions, locked, and not yet flushed nor renamed. <see cref="GroupCommitter"/> makes it
        /// replace the target durably; disposing it uncommitted removes the temporary file and leaves the target untouched.
        /// </summary>
        /// <param name="source">The file read: its permissions go to a target that does not exist yet.</param>
        /// <param name="target">The file to replace (a link is followed: its target is replaced, the link kept).</param>
        /// <param name="writeContent">Writes the whole new content to the stream it is given.</param>
        /// <param name="options">How the target is treated (read-only, source check, sweeping, flushing).</param>
        /// <param name="holdOpen">Disposed with the result: e.g. the source's stream, kept open until the rename is durable so
        /// that the replaced file's blocks are freed after the folder flush, not inside it. For a new file of
        /// <see cref="StagedReplacement.BackgroundReleaseBytes"/> or more it is disposed on a pool thread once published, and
        /// may outlive the commit's task by the time the kernel takes to free the replaced file.</param>
        public static StagedReplacement Stage(string source, string target, Action<Stream> writeContent, SafeWriteOptions? options = null, IDisposable? holdOpen = null)
        {
            if (source == null) throw new ArgumentNullException(nameof(source));
            if (target == null) throw new ArgumentNullException(nameof(target));
            if (writeContent == null) throw new ArgumentNullException(nameof(writeContent));
            options ??= new SafeWriteOptions();
            var targetReal = RealPath.Resolve(target);
            var folder = Path.GetDirectoryName(targetReal)!;
            Directory.CreateDirectory(folder);
            var targetExists = File.Exists(targetReal);
            var windowsReadOnly = false;
            if (targetExists) windowsReadOnly = RefuseReadOnly(target, targetReal, options.OverwriteReadOnly);
            options.PreparingFolder?.Invoke(folder);
            if (options.SweepStaleTemporaryFiles) RemoveStaleTemporaryFiles(folder, Path.GetFileName(targetReal), options.Warning);

            var temp = Path.Combine(folder, TemporaryPrefix(Path.GetFileName(targetReal)) + Guid.NewGuid().ToString("N").Substring(0, 12) + ".tmp");
            FileStream? output = null;
            try
            {
                output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096);
                if (NativeLinux.IsLinux && !NativeLinux.TryLock(output.SafeFileHandle, NativeLinux.LockExclusive))
                    throw new IOException("Cannot lock the new temporary file '" + temp + "'.");
                writeContent(output);
                output.Flush();
                // Before the flush, so that the fsync makes the mode durable with the data.
                CopyPermissions(targetExists ? targetReal : source, temp);
                var staged = new StagedReplacement(source, targetReal, folder, temp, output, windowsReadOnly, options, holdOpen,
                    releaseHeldInBackground: output.Length >= StagedReplacement.BackgroundReleaseBytes);
                output = null;
                return staged;
            }
            catch
            {
                output?.Dispose();
                DeleteQuietly(temp);
                throw;
            }
        }

        internal static void DeleteQuietly(string path)
        {
            try { if (File.Exists(path)) File.Delete(path); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }

        /// <summary>The start of every temporary file name for <paramref name="fileName"/>.</summary>
        public static string TemporaryPrefix(string fileName) => "." + fileName + ".";

        /// <summary>
        /// Removes temporary files of <paramref name="fileName"/> in <paramref name="folder"/> that no live writer holds (no
        /// flock on them: their writer was killed). Returns how many were removed; each is reported through <paramref name="warning"/>.
        /// </summary>
        public static int RemoveStaleTemporaryFiles(string folder, string fileName, Action<string>? warning)
        {
            if (fileName.IndexOfAny(Wildcards) >= 0) return 0;
            var pattern = new Regex("^" + Regex.Escape(TemporaryPrefix(fileName)) + "[0-9a-f]{12}\\.tmp$");
            return RemoveUnlocked(folder, TemporaryPrefix(fileName) + "*.tmp", pattern, warning);
        }

        /// <summary>
        /// <see cref="RemoveStaleTemporaryFiles"/> for every file of <paramref name="folder"/> in one listing: what a run that
        /// edits many files of one folder calls once, before its first write there.
        /// </summary>
        public static int RemoveStaleTemporaryFilesIn(string folder, Action<string>? warning) =>
            RemoveUnlocked(folder, ".*.tmp", AnyTemporaryFile, warning);

        private static readonly char[] Wildcards = { '*', '?' };
        private static readonly Regex AnyTemporaryFile = new Regex("^\\..+\\.[0-9a-f]{12}\\.tmp$", RegexOptions.CultureInvariant);

        private static int RemoveUnlocked(string folder, string searchPattern, Regex pattern, Action<string>? warning)
        {
            var removed = 0;
            string[] candidates;
            try { candidates = Directory.GetFiles(folder, searchPattern); }
            catch (IOException) { return 0; }
            catch (UnauthorizedAccessException) { return 0; }
            foreach (var candidate in candidates)
            {
                if (!pattern.IsMatch(Path.GetFileName(candidate))) continue;
                try
                {
                    // FileShare.None (and the explicit flock) fails while the writer lives: its lock goes only with its process.
                    using (var probe = new FileStream(candidate, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                    {
                        if (NativeLinux.IsLinux && !NativeLinux.TryLock(probe.SafeFileHandle, NativeLinux.LockExclusive)) continue;
                        File.Delete(candidate);
                    }
                    removed++;
                    warning?.Invoke($"Removed '{candidate}', a temporary file left by an edit that was interrupted (killed or crashed); the file it was written for was never partly written.");
                }
                catch (IOException) { } // live, or gone meanwhile
                catch (UnauthorizedAccessException) { }
            }
            return removed;
        }

        /// <summary>Throws when the target is read-only for us (unless forced); true when Windows' ReadOnly attribute must be lifted.</summary>
        private static bool RefuseReadOnly(string target, string targetReal, bool force)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                var readOnly = (File.GetAttributes(targetReal) & FileAttributes.ReadOnly) != 0;
                if (readOnly && !force)
                    throw new ReadOnlyFileException(target, "ReadOnly attribute", "clear the attribute");
                return readOnly;
            }
            if (!NativeLinux.IsLinux || force) return false;
            // The rename needs only the folder's write permission, so a file's own mode would be bypassed silently: check it.
            // Root passes access(2) for any mode, so for root "read-only" means no write bit at all (0444), as for rm(1)'s prompt.
            var stat = NativeLinux.Stat(targetReal);
            if (stat == null) return false;
            var readOnlyForUs = NativeLinux.IsRoot ? (stat.Mode & 0x92) == 0 : !NativeLinux.CanWrite(targetReal);
            if (readOnlyForUs)
                throw new ReadOnlyFileException(target, "mode " + Convert.ToString(stat.Mode & 0xFFF, 8).PadLeft(4, '0'), $"make it writable: chmod u+w '{target}'");
            return false;
        }

        // File.GetUnixFileMode / SetUnixFileMode exist from .NET 7; this library targets netstandard2.0, so reach them by reflection.
        private static readonly MethodInfo? GetUnixFileMode = typeof(File).GetMethod("GetUnixFileMode", new[] { typeof(string) });
        private static readonly MethodInfo? SetUnixFileMode = FindSetUnixFileMode();

        private static MethodInfo? FindSetUnixFileMode()
        {
            var modeType = typeof(File).Assembly.GetType("System.IO.UnixFileMode");
            return modeType == null ? null : typeof(File).GetMethod("SetUnixFileMode", new[] { typeof(string), modeType });
        }

        private static void CopyPermissions(string from, string to)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows) || GetUnixFileMode == null || SetUnixFileMode == null) return;
            try
            {
                var mode = GetUnixFileMode.Invoke(null, new object[] { from });
                SetUnixFileMode.Invoke(null, new[] { to, mode });
            }
            catch (TargetInvocationException ex) when (ex.InnerException is IOException || ex.InnerException is UnauthorizedAccessException)
            {
                throw ex.InnerException;
            }
        }
    }
}
