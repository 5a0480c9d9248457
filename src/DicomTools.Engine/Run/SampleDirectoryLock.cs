using System;
using System.Diagnostics;
using System.IO;
using System.Text.Json;
using DicomTools.Dicom.IO;

namespace DicomTools.Engine.Run
{
    /// <summary>Another run holds the sample directory: it is not touched.</summary>
    public sealed class SampleDirectoryLockedException : IOException
    {
        public SampleDirectoryLockedException(string directory, string lockPath, string? holder)
            : base($"Another Invoke-SampleUpload is working on '{directory}' ({DescribeHolder(holder)}; lock file '{lockPath}'). "
                + "Wait for it to finish, or end it; a lock left by a process that died is taken over automatically.")
        {
            Directory = directory; LockPath = lockPath; Holder = holder;
        }

        public string Directory { get; }
        public string LockPath { get; }
        /// <summary>The lock file's JSON (pid, host, started), or null when it could not be read.</summary>
        public string? Holder { get; }

        internal static string DescribeHolder(string? json)
        {
            if (string.IsNullOrWhiteSpace(json)) return "holder unknown";
            try
            {
                using var doc = JsonDocument.Parse(json!);
                var root = doc.RootElement;
                string Get(string name) => root.TryGetProperty(name, out var v) ? v.ToString() : "?";
                return $"process {Get("pid")} on {Get("host")}, started {Get("started")}, sample {Get("sampleId")}";
            }
            catch (JsonException)
            {
                return "holder unreadable";
            }
        }
    }

    /// <summary>
    /// One Invoke-SampleUpload per sample directory at a time: tagging in place and uploading from a folder another run is
    /// rewriting would send a mix. The lock is ".dicomtools.lock" in the directory, held for the whole run (see
    /// <see cref="ExclusiveLockFile"/>): it ends with the process, so a killed run never blocks the next one for long.
    /// </summary>
    public sealed class SampleDirectoryLock : IDisposable
    {
        public const string FileName = ".dicomtools.lock";
        private readonly ExclusiveLockFile _file;

        private SampleDirectoryLock(ExclusiveLockFile file, string? takeOverWarning)
        {
            _file = file; TakeOverWarning = takeOverWarning;
        }

        /// <summary>Set when a stale lock (its process gone) was taken over: say so to the user.</summary>
        public string? TakeOverWarning { get; }

        public string LockPath => _file.Path;

        /// <summary>Takes the directory's lock or throws <see cref="SampleDirectoryLockedException"/> at once (no waiting).</summary>
        public static SampleDirectoryLock Acquire(string directory, string sampleId, DateTimeOffset now)
        {
            var path = Path.Combine(directory, FileName);
            string content;
            using (var process = Process.GetCurrentProcess())
            {
                content = JsonSerializer.Serialize(new
                {
                    pid = process.Id,
                    host = Environment.MachineName,
                    started = now.ToString("o"),
                    sampleId,
                });
            }
            var file = ExclusiveLockFile.TryAcquire(path, content, out var heldBy);
            if (file == null) throw new SampleDirectoryLockedException(directory, path, heldBy);
            var warning = file.StaleContent == null ? null
                : $"Took over the lock '{path}' left by a run that ended without releasing it ({SampleDirectoryLockedException.DescribeHolder(file.StaleContent)}).";
            return new SampleDirectoryLock(file, warning);
        }

        public void Dispose() => _file.Dispose();
    }
}
