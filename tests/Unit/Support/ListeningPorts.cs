using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace DicomTools.Tests.Unit.Support
{
    /// <summary>
    /// The TCP ports a process listens on, read from Linux's /proc: the sockets in /proc/&lt;pid&gt;/fd matched by
    /// inode against the LISTEN rows of /proc/&lt;pid&gt;/net/tcp and tcp6. This lets a server we start on port 0
    /// (Orthanc) tell us the port it really got, with no window in which another process could take it, and lets
    /// us check that a port answering is held by the process we started, not by someone else.
    /// </summary>
    internal static class ListeningPorts
    {
        private const string ListenState = "0A";

        public static bool Supported => File.Exists("/proc/self/net/tcp");

        public static IReadOnlyList<int> Of(int processId)
        {
            var inodes = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{processId}/fd"))
                {
                    string? target;
                    try { target = new FileInfo(fd).LinkTarget; }
                    catch (IOException) { continue; }   // closed while we looked
                    if (target != null && target.StartsWith("socket:[", StringComparison.Ordinal)) inodes.Add(target[8..^1]);
                }
            }
            catch (Exception e) when (e is DirectoryNotFoundException or IOException or UnauthorizedAccessException) { return Array.Empty<int>(); }

            var ports = new SortedSet<int>();
            foreach (var table in new[] { "tcp", "tcp6" })
            {
                string[] rows;
                try { rows = File.ReadAllLines($"/proc/{processId}/net/{table}"); }
                catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException) { continue; }
                foreach (var row in rows.Skip(1))
                {
                    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
                    var fields = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (fields.Length < 10 || fields[3] != ListenState || !inodes.Contains(fields[9])) continue;
                    ports.Add(int.Parse(fields[1][(fields[1].LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                }
            }
            return ports.ToArray();
        }
    }
}
