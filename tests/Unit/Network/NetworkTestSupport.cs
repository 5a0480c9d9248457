using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Dicom;
using DicomTools.Tests.Unit.Dicom;
using DicomTools.Tests.Unit.Support;

namespace DicomTools.Tests.Unit.Network
{
    /// <summary>
    /// dcmtk's storescp on a loopback port, storing into its own folder. storescp refuses port 0 ("Invalid parameter
    /// value 0 (underflow)", dcmtk 3.6.7) and cannot take a bound socket (its --inetd mode serves one association on
    /// stdin), so we bind port 0 to learn a free one, release it and start storescp there; if another process took it
    /// meanwhile, storescp exits at once and we try another port. It is ready when /proc shows storescp itself
    /// listening on the port, so a squatter answering there is never mistaken for it.
    /// </summary>
    public sealed class StoreScp : IDisposable
    {
        private readonly Process _process;
        private readonly List<string> _log = new();

        private StoreScp(Process process, int port, string folder) { _process = process; Port = port; Folder = folder; }

        public int Port { get; }
        public string Folder { get; }
        public string Log { get { lock (_log) return string.Join("\n", _log); } }

        public static async Task<StoreScp> StartAsync(TempFolder temp, params string[] options)
        {
            var folder = Path.Combine(temp.Path, "received-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(folder);
            for (var attempt = 0; ; attempt++)
            {
                int port;
                using (var probe = new TcpListener(IPAddress.Loopback, 0)) { probe.Start(); port = ((IPEndPoint)probe.LocalEndpoint).Port; probe.Stop(); }
                var psi = new ProcessStartInfo(ExternalTools.Require("storescp")) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (var o in options) psi.ArgumentList.Add(o);
                psi.ArgumentList.Add("-od"); psi.ArgumentList.Add(folder);
                psi.ArgumentList.Add(port.ToString());
                psi.Environment["TCP_NODELAY"] = "1";
                psi.Environment["DCMDICTPATH"] = "/usr/share/libdcmtk17/dicom.dic";
                var process = Process.Start(psi)!;
                var scp = new StoreScp(process, port, folder);
                process.OutputDataReceived += (_, e) => scp.Keep(e.Data);
                process.ErrorDataReceived += (_, e) => scp.Keep(e.Data);
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                if (await scp.WaitListeningAsync()) return scp;
                scp.Dispose();
                if (attempt >= 5) throw new InvalidOperationException("storescp could not listen on a free port: " + scp.Log);
            }
        }

        private void Keep(string? line) { if (line != null) lock (_log) _log.Add(line); }

        /// <summary>storescp prints nothing when it listens: probe with a connection (a failure guard of 20 s, not a wait).</summary>
        private async Task<bool> WaitListeningAsync()
        {
            var guard = Stopwatch.StartNew();
            while (guard.Elapsed < TimeSpan.FromSeconds(20))
            {
                if (_process.HasExited) return false;
                // Ours, not another process's that took the port first (then storescp exits, and we try another).
                if (ListeningPorts.Supported)
                {
                    if (ListeningPorts.Of(_process.Id).Contains(Port)) return true;
                    await Task.Delay(20);
                    continue;
                }
                using var client = new TcpClient();
                try { await client.ConnectAsync(IPAddress.Loopback, Port); return true; }
                catch (SocketException) { await Task.Delay(20); }
            }
            throw new TimeoutException("storescp did not listen on port " + Port + " within 20 s: " + Log);
        }

        /// <summary>The files storescp wrote.</summary>
        public string[] ReceivedFiles() => Directory.GetFiles(Folder);

        public void Dispose()
        {
            try { if (!_process.HasExited) { _process.Kill(); _process.WaitForExit(10_000); } }
            catch (InvalidOperationException) { }
            _process.Dispose();
        }
    }

    internal static class NetworkTestFiles
    {
        /// <summary>
        /// dcmdump of the data set (no File Meta) made comparable across an Explicit/Implicit transcoding: no lengths, no
        /// delimiter lines, no "explicit/undefined length" wording (sequence encoding changes), VR of private tags dropped
        /// (implicit VR cannot carry it; the value bytes are compared in full by +L).
        /// </summary>
        public static List<string> ComparableDump(string path, bool ignorePrivateVr = false)
        {
            var lines = DicomTestFiles.Dump(path)
                .Where(l => !l.TrimStart().StartsWith("(0002,", StringComparison.Ordinal) && !l.TrimStart().StartsWith("(fffe,", StringComparison.Ordinal))
                .Where(l => !Regex.IsMatch(l.TrimStart(), @"^\([0-9a-f]{4},0000\)"))
                .Select(DicomTestFiles.WithoutLength)
                .Select(l => Regex.Replace(l, @"\((Sequence|Item) with (explicit|undefined) length #=\d+\)", "($1)"))
                .Select(l => ignorePrivateVr && Regex.IsMatch(l.TrimStart(), @"^\([0-9a-f]{3}[13579bdf],") ? Regex.Replace(l, @"^(\s*\([0-9a-f]{4},[0-9a-f]{4}\)) [A-Z]{2} ", "$1 ?? ") : l)
                .ToList();
            // A comparison of two empty lists proves nothing: the test images have sequences, a private block and pixel data.
            if (!lines.Any(l => l.TrimStart().StartsWith("(7fe0,0010)", StringComparison.Ordinal)) || !lines.Any(l => l.TrimStart().StartsWith("(0008,1155)", StringComparison.Ordinal)))
                throw new InvalidOperationException("Unexpected dump of " + path + ":\n" + string.Join("\n", lines));
            return lines;
        }

        /// <summary>The stored file for an instance, found by its SOP Instance UID (storescp names files by modality + UID).</summary>
        public static string StoredFile(StoreScp scp, string sopInstanceUid) =>
            scp.ReceivedFiles().Single(f => DicomFileReader.ReadSummary(f).SopInstanceUid == sopInstanceUid);
    }
}
