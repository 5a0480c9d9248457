using System;
using System.IO;
using System.Reflection;

namespace DicomTools.Dicom.IO
{
    /// <summary>A path with every symbolic link resolved, so two names of one folder or file compare equal.</summary>
    public static class RealPath
    {
        // FileSystemInfo.ResolveLinkTarget(bool) exists from .NET 6; reached by reflection from netstandard2.0 for Windows.
        private static readonly MethodInfo? ResolveLinkTarget = typeof(FileSystemInfo).GetMethod("ResolveLinkTarget", new[] { typeof(bool) });

        /// <summary>
        /// The real path of <paramref name="path"/>: on Linux realpath(3); elsewhere each link resolved where the runtime can.
        /// A path that does not exist yet is resolved as far as its nearest existing folder, the rest appended as given.
        /// </summary>
        public static string Resolve(string path)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            var full = Path.GetFullPath(path);
            var rest = string.Empty;
            var existing = full;
            while (true)
            {
                var real = ResolveExisting(existing);
                if (real != null) return rest.Length == 0 ? real : Path.Combine(real, rest);
                var parent = Path.GetDirectoryName(existing);
                if (string.IsNullOrEmpty(parent)) return full;
                rest = rest.Length == 0 ? Path.GetFileName(existing) : Path.Combine(Path.GetFileName(existing), rest);
                existing = parent!;
            }
        }

        private static string? ResolveExisting(string path)
        {
            if (NativeLinux.IsLinux) return NativeLinux.RealPath(path);
            if (!File.Exists(path) && !Directory.Exists(path)) return null;
            if (ResolveLinkTarget == null) return path;
            FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : (FileSystemInfo)new FileInfo(path);
            try
            {
                var target = ResolveLinkTarget.Invoke(info, new object[] { true }) as FileSystemInfo;
                return target?.FullName ?? path;
            }
            catch (TargetInvocationException)
            {
                return path;
            }
        }
    }
}
