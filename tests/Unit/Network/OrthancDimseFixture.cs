using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Tests.Unit.Support;
using Xunit;

namespace DicomTools.Tests.Unit.Network
{
    /// <summary>
    /// A private Orthanc with its DICOM port on (DicomCheckCalledAet true) and its REST API open on loopback, for DIMSE
    /// tests. Where /proc exists Orthanc binds port 0 for both and we read the ports it got (<see cref="ListeningPorts"/>;
    /// the one that answers HTTP is the REST API); elsewhere free ones are learned by binding port 0, and if Orthanc cannot
    /// bind them it exits and we try again with new ones. Missing Orthanc: tests skip ([RequiresToolFact]) except in CI, where this fails.
    /// </summary>
    public sealed class OrthancDimseFixture : IAsyncLifetime
    {
        public const string AeTitle = "DTORTHANC";
        private const int Sigterm = 15;
        private Process? _process;
        private readonly List<string> _log = new();

        public int DicomPort { get; private set; }
        public Uri BaseAddress { get; private set; } = null!;
        public string StoragePath { get; private set; } = "";
        public bool IsRunning => _process is { HasExited: false };

        public async Task InitializeAsync()
        {
            var orthanc = ExternalTools.Find("Orthanc");
            if (orthanc == null)
            {
                if (ExternalTools.InCi) ExternalTools.Require("Orthanc");
                return;
            }
            for (var attempt = 0; ; attempt++)
            {
                if (await TryStartAsync(orthanc)) return;
                await DisposeAsync();
                if (attempt >= 4) throw new InvalidOperationException("Orthanc did not start: " + string.Join("\n", _log));
            }
        }

        public HttpClient CreateClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        private static int FreePort()
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            try { return ((IPEndPoint)probe.LocalEndpoint).Port; }
            finally { probe.Stop(); }
        }

        private async Task<bool> TryStartAsync(string orthanc)
        {
            StoragePath = Path.Combine(Path.GetTempPath(), "dicomtools-orthanc-dimse-" + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(StoragePath);
            var portZero = ListeningPorts.Supported;
            var httpPort = portZero ? 0 : FreePort();
            DicomPort = portZero ? 0 : FreePort();
            var config = new Dictionary<string, object>
            {
                ["Name"] = "dicomtools-dimse-test",
                ["HttpPort"] = httpPort,
                ["RemoteAccessAllowed"] = false,
                ["AuthenticationEnabled"] = false,
                ["DicomServerEnabled"] = true,
                ["DicomAet"] = AeTitle,
                ["DicomPort"] = DicomPort,
                ["DicomCheckCalledAet"] = true,
                ["StorageDirectory"] = Path.Combine(StoragePath, "storage"),
                ["IndexDirectory"] = Path.Combine(StoragePath, "index"),
            };
            var configPath = Path.Combine(StoragePath, "orthanc.json");
            await File.WriteAllTextAsync(configPath, JsonSerializer.Serialize(config));
            var psi = new ProcessStartInfo(orthanc) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(configPath);
            _process = Process.Start(psi)!;
            _process.OutputDataReceived += (_, e) => Keep(e.Data);
            _process.ErrorDataReceived += (_, e) => Keep(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var guard = Stopwatch.StartNew();
            // A failure guard, not a wait: Orthanc answers within a second; we poll its REST API and its DICOM port.
            while (guard.Elapsed < TimeSpan.FromSeconds(30))
            {
                if (_process.HasExited) return false;
                if (portZero && (httpPort == 0 || DicomPort == 0))
                {
                    (httpPort, DicomPort) = await IdentifyPortsAsync(http, ListeningPorts.Of(_process.Id));
                    if (httpPort == 0) { await Task.Delay(20); continue; }
                }
                BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/");
                try
                {
                    using var response = await http.GetAsync(new Uri(BaseAddress, "system"));
                    if (response.IsSuccessStatusCode)
                    {
                        using var tcp = new TcpClient();
                        await tcp.ConnectAsync(IPAddress.Loopback, DicomPort);
                        return true;
                    }
                }
                catch (HttpRequestException) { }
                catch (TaskCanceledException) { }
                catch (SocketException) { }
                await Task.Delay(20);
            }
            throw new TimeoutException("Orthanc did not become ready within 30 s: " + string.Join("\n", _log));
        }

        /// <summary>Of Orthanc's two listening ports, the one that answers GET /system is HTTP, the other DICOM; (0, 0) until both listen.</summary>
        private static async Task<(int Http, int Dicom)> IdentifyPortsAsync(HttpClient http, IReadOnlyList<int> listening)
        {
            if (listening.Count != 2) return (0, 0);
            foreach (var port in listening)
            {
                try
                {
                    using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/system"));
                    if (response.IsSuccessStatusCode) return (port, listening[0] == port ? listening[1] : listening[0]);
                }
                catch (HttpRequestException) { }
                catch (TaskCanceledException) { }
            }
            return (0, 0);
        }

        private void Keep(string? line) { if (line != null) lock (_log) { _log.Add(line); if (_log.Count > 60) _log.RemoveAt(0); } }

        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        private static extern int SendSignal(int pid, int signal);

        public async Task DisposeAsync()
        {
            var process = Interlocked.Exchange(ref _process, null);
            if (process != null)
            {
                if (!process.HasExited)
                {
                    SendSignal(process.Id, Sigterm);
                    using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                    try { await process.WaitForExitAsync(wait.Token); }
                    catch (OperationCanceledException) { process.Kill(true); await process.WaitForExitAsync(); }
                }
                process.Dispose();
            }
            if (StoragePath.Length > 0 && Directory.Exists(StoragePath))
            {
                try { Directory.Delete(StoragePath, true); } catch (IOException) { }
            }
        }
    }
}
