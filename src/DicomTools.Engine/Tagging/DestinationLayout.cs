using System;
using System.IO;
using DicomTools.Dicom.IO;

namespace DicomTools.Engine.Tagging
{
    /// <summary>
    /// Where -Destination puts each file's edited copy: the file's path relative to a base folder, under the
    /// destination folder. The base folder is the part of a -Path before its first wildcard (the folder of a
    /// plain file), else the current location; -RelativeTo overrides both.
    /// </summary>
    public sealed class DestinationLayout
    {
        private static readonly char[] Wildcards = { '*', '?', '[' };
        private static readonly StringComparison PathComparison =
            Path.DirectorySeparatorChar == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

        public DestinationLayout(string destinationFolder)
        {
            if (string.IsNullOrWhiteSpace(destinationFolder)) throw new ArgumentException("The destination folder is empty.", nameof(destinationFolder));
            DestinationFolder = Path.GetFullPath(destinationFolder);
        }

        public string DestinationFolder { get; }

        /// <summary>
        /// The destination of <paramref name="sourcePath"/>, or a failure when the file is not under
        /// <paramref name="baseFolder"/> or would land on itself.
        /// </summary>
        public bool TryGetDestination(string sourcePath, string baseFolder, out string destination, out string? problem)
        {
            var source = Path.GetFullPath(sourcePath);
            var root = EnsureTrailingSeparator(Path.GetFullPath(baseFolder));
            destination = string.Empty;
            if (!source.StartsWith(root, PathComparison))
            {
                problem = $"'{source}' is not under '{root.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)}', the folder whose layout -Destination reproduces. "
                    + "Run from the folder that holds the files, or give -RelativeTo <folder>.";
                return false;
            }
            // Links resolved: a destination that is a symbolic link to the source folder is the source folder.
            var realSource = RealPath.Resolve(source);
            var realDestinationFolder = EnsureTrailingSeparator(RealPath.Resolve(DestinationFolder));
            destination = Path.Combine(DestinationFolder, source.Substring(root.Length));
            if (string.Equals(destination, source, PathComparison) || string.Equals(RealPath.Resolve(destination), realSource, PathComparison))
            {
                problem = $"-Destination '{DestinationFolder}' maps '{source}' onto itself; choose a folder other than the source folder (or leave -Destination out to edit in place).";
                return false;
            }
            if (realSource.StartsWith(realDestinationFolder, PathComparison))
            {
                problem = $"'{source}' is inside -Destination '{DestinationFolder}': files under the destination are not edited again, "
                    + "so that a recursive listing of the source tree never makes copies of copies. Leave the destination out of the input "
                    + "(e.g. Get-ChildItem -Recurse | Where-Object FullName -notlike '<destination>*') or choose a destination outside the source tree.";
                return false;
            }
            problem = null;
            return true;
        }

        /// <summary>
        /// The folder a -Path pattern starts from: "D:\in\*\*.dcm" gives "D:\in", "D:\in\a.dcm" gives "D:\in",
        /// "*.dcm" gives "" (the current location).
        /// </summary>
        public static string GetPatternBase(string pathPattern)
        {
            if (string.IsNullOrEmpty(pathPattern)) return string.Empty;
            var firstWildcard = pathPattern.IndexOfAny(Wildcards);
            var cut = firstWildcard < 0 ? pathPattern.Length : firstWildcard;
            var lastSeparator = pathPattern.LastIndexOfAny(new[] { '/', '\\' }, Math.Max(0, cut - 1));
            if (lastSeparator < 0 || cut == 0) return string.Empty;
            return lastSeparator == 0 ? pathPattern.Substring(0, 1) : pathPattern.Substring(0, lastSeparator);
        }

        private static string EnsureTrailingSeparator(string path) =>
            path.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) || path.EndsWith(Path.AltDirectorySeparatorChar.ToString(), StringComparison.Ordinal)
                ? path
                : path + Path.DirectorySeparatorChar;
    }
}
