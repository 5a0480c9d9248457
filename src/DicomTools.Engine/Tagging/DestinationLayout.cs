using System;
using System.IO;
using DicomTools.Dicom.IO;

namespace DicomTools.Engine.Tagging
{
    /// <summary>
    /// Where each file's edited copy goes when a destination folder is given: the file's path relative to a base
    /// folder, under the destination folder. The base folder is the part of a path pattern before its first wildcard
    /// (the folder of a plain file), else the current location, unless the caller names one.
    /// </summary>
    public sealed class DestinationLayout
    {
        private static readonly char[] Wildcards = { '*', '?', '[' };
        private static readonly char[] Separators = { '/', '\\' };
        private static readonly StringComparison PathComparison =
            Path.DirectorySeparatorChar == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

        public DestinationLayout(string destinationFolder)
        {
            if (string.IsNullOrWhiteSpace(destinationFolder)) throw new ArgumentException("The destination folder is empty.", nameof(destinationFolder));
            DestinationFolder = Path.GetFullPath(destinationFolder);
            // Once per run, not per file: the folder's ancestors do not change under a run, and the folder itself (if it
            // is made by the run) is a plain directory, which resolves the same before and after it exists.
            _realDestinationFolder = EnsureTrailingSeparator(RealPath.Resolve(DestinationFolder));
        }

        private readonly string _realDestinationFolder;

        public string DestinationFolder { get; }

        /// <summary>
        /// The destination of <paramref name="sourcePath"/>, or why there is none: the file is not under
        /// <paramref name="baseFolder"/>, would land on itself, or lies inside the destination.
        /// </summary>
        public bool TryGetDestination(string sourcePath, string baseFolder, out string destination, out DestinationRefusal? refusal)
        {
            var source = Path.GetFullPath(sourcePath);
            var root = EnsureTrailingSeparator(Path.GetFullPath(baseFolder));
            destination = string.Empty;
            if (!source.StartsWith(root, PathComparison))
            {
                refusal = new DestinationRefusal(DestinationProblem.OutsideBaseFolder,
                    $"'{source}' is not under '{root.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)}', the folder whose layout the destination reproduces.");
                return false;
            }
            // Links resolved: a destination that is a symbolic link to the source folder is the source folder.
            var realSource = RealPath.Resolve(source);
            destination = Path.Combine(DestinationFolder, source.Substring(root.Length));
            if (string.Equals(destination, source, PathComparison) || string.Equals(RealPath.Resolve(destination), realSource, PathComparison))
            {
                refusal = new DestinationRefusal(DestinationProblem.OntoItself, $"The destination folder '{DestinationFolder}' maps '{source}' onto itself.");
                return false;
            }
            if (realSource.StartsWith(_realDestinationFolder, PathComparison))
            {
                refusal = new DestinationRefusal(DestinationProblem.InsideDestination,
                    $"'{source}' is inside the destination folder '{DestinationFolder}': files under the destination are not edited again, "
                    + "so that a recursive listing of the source tree never makes copies of copies.");
                return false;
            }
            refusal = null;
            return true;
        }

        /// <summary>
        /// The folder a path pattern starts from: "D:\in\*\*.dcm" gives "D:\in", "D:\in\a.dcm" gives "D:\in",
        /// "*.dcm" gives "" (the current location).
        /// </summary>
        public static string GetPatternBase(string pathPattern)
        {
            if (string.IsNullOrEmpty(pathPattern)) return string.Empty;
            var firstWildcard = pathPattern.IndexOfAny(Wildcards);
            var cut = firstWildcard < 0 ? pathPattern.Length : firstWildcard;
            var lastSeparator = pathPattern.LastIndexOfAny(Separators, Math.Max(0, cut - 1));
            if (lastSeparator < 0 || cut == 0) return string.Empty;
            return lastSeparator == 0 ? pathPattern.Substring(0, 1) : pathPattern.Substring(0, lastSeparator);
        }

        private static string EnsureTrailingSeparator(string path) =>
            path.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) || path.EndsWith(Path.AltDirectorySeparatorChar.ToString(), StringComparison.Ordinal)
                ? path
                : path + Path.DirectorySeparatorChar;
    }

    /// <summary>Why a file has no place under the destination.</summary>
    public enum DestinationProblem
    {
        /// <summary>The file is not under the base folder whose layout the destination reproduces.</summary>
        OutsideBaseFolder,
        /// <summary>The destination is the file's own folder (directly or through a link).</summary>
        OntoItself,
        /// <summary>The file lies inside the destination, e.g. an edited copy listed again by a recursive listing.</summary>
        InsideDestination,
    }

    /// <summary>A file the destination layout cannot place: the problem, and a sentence that names the paths (the caller
    /// adds what to do, in its own terms).</summary>
    public sealed class DestinationRefusal
    {
        /// <summary>Creates the refusal.</summary>
        public DestinationRefusal(DestinationProblem problem, string message) { Problem = problem; Message = message; }
        /// <summary>Which problem.</summary>
        public DestinationProblem Problem { get; }
        /// <summary>What is wrong, with the paths.</summary>
        public string Message { get; }
        /// <inheritdoc/>
        public override string ToString() => Message;
    }
}
