using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;

namespace DicomTools.Dicom.IO
{
    /// <summary>
    /// Replaces a file so that a reader (or a crash) only ever sees the old or the new content: the new content is written to
    /// a temporary file beside the target, flushed, given the original's permissions and renamed over the target.
    /// </summary>
    internal static class SafeFileReplacer
    {
        /// <summary>
        /// Writes <paramref name="target"/> through <paramref name="writeContent"/> atomically; <paramref name="source"/> is the
        /// file whose permissions a new target inherits. On any error the temporary file is removed and the target is untouched.
        /// </summary>
        public static void Write(string source, string target, Action<FileStream> writeContent, bool flushToDisk, Action<string>? beforeReplace = null)
        {
            var targetFull = Path.GetFullPath(target);
            var folder = Path.GetDirectoryName(targetFull)!;
            Directory.CreateDirectory(folder);
            var temp = Path.Combine(folder, "." + Path.GetFileName(targetFull) + "." + Guid.NewGuid().ToString("N").Substring(0, 12) + ".tmp");
            try
            {
                using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096))
                {
                    writeContent(output);
                    output.Flush(flushToDisk);
                }
                CopyPermissions(File.Exists(targetFull) ? targetFull : source, temp);
                beforeReplace?.Invoke(temp);
                Replace(temp, targetFull);
            }
            catch
            {
                try { if (File.Exists(temp)) File.Delete(temp); }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
                throw;
            }
        }

        private static void Replace(string temp, string target)
        {
            if (File.Exists(target))
            {
                // Unix: rename(2), atomic. Windows: ReplaceFile keeps the original's ACLs and attributes.
                File.Replace(temp, target, null, true);
            }
            else
            {
                File.Move(temp, target);
            }
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
