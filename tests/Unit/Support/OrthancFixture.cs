using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace DicomTools.Tests.Unit.Support
{
    /// <summary>
    /// A private Orthanc (with the DICOMweb plugin) for xUnit: loopback on a port it binds itself (port 0, read back
    /// from /proc; see <see cref="ListeningPorts"/>), HTTP Basic with one
    /// random-password user, no DICOM port, storage in its own temp folder. Use as a class fixture
    /// (<c>IClassFixture&lt;OrthancFixture&gt;</c>) with <c>[RequiresToolFact("Orthanc")]</c> tests: where Orthanc
    /// is missing outside CI the fixture stays stopped and those tests are skipped; in CI it fails.
    /// Orthanc starts in ~0.1-0.6 s but takes ~3-5 s to stop, so share one per class, not one per test.
    /// </summary>
    public sealed class OrthancFixture : IAsyncLifetime
    {
        public const string UserName = "dicomtools";
        private const int Sigterm = 15;
        private readonly Queue<string> _logTail = new();
        private Process? _process;

        /// <summary>Parent folder for this Orthanc's own folder; null = the temp folder (benchmarks use /dev/shm).</summary>
        public string? StorageRoot { get; init; }

        /// <summary>e.g. http://127.0.0.1:41234/ (with the trailing slash, for HttpClient.BaseAddress).</summary>
        public Uri BaseAddress { get; private set; } = null!;
        public string Password { get; private set; } = "";
        public NetworkCredential Credentials => new(UserName, Password);
        /// <summary>This Orthanc's folder (config, storage, index); removed on dispose.</summary>
        public string StoragePath { get; private set; } = "";
        public TimeSpan StartupTime { get; private set; }
        public bool IsRunning => _process is { HasExited: false };

        public async Task InitializeAsync()
        {
            var orthanc = ExternalTools.Find("Orthanc");
            if (orthanc == null)
            {
                if (ExternalTools.InCi) ExternalTools.Require("Orthanc");
                return;   // the tests that need it are skipped by [RequiresToolFact("Orthanc")]
            }
            await StartAsync(orthanc, TimeSpan.FromSeconds(20));
        }

        /// <summary>The HTTP Basic header value for <see cref="UserName"/>/<see cref="Password"/>.</summary>
        public AuthenticationHeaderValue Authorization =>
            new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(UserName + ":" + Password)));

        /// <summary>A client with the base address and credentials set; the caller disposes it.</summary>
        public HttpClient CreateClient()
        {
            if (!IsRunning) throw new InvalidOperationException("Orthanc is not running.");
            var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
            client.DefaultRequestHeaders.Authorization = Authorization;
            return client;
        }

        private static string FindDicomWebPlugin()
        {
            var candidates = new List<string>();
            try
            {
                using var dpkg = Process.Start(new ProcessStartInfo("dpkg", "-L orthanc-dicomweb") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
                if (dpkg != null)
                {
                    candidates.AddRange(dpkg.StandardOutput.ReadToEnd().Split('\n').Select(l => l.Trim()).Where(l => l.EndsWith("/libOrthancDicomWeb.so", StringComparison.Ordinal)));
                    dpkg.WaitForExit(5000);
                }
            }
            catch (System.ComponentModel.Win32Exception) { /* no dpkg: fall back to the Debian path */ }
            candidates.Add("/usr/share/orthanc/plugins/libOrthancDicomWeb.so");
            return candidates.FirstOrDefault(File.Exists)
                ?? throw new InvalidOperationException("The Orthanc DICOMweb plugin is not installed (apt-get install orthanc-dicomweb).");
        }

        /// <summary>How many ports to try when another process takes the one chosen before Orthanc binds it.</summary>
        public int MaximumStartAttempts { get; init; } = 5;

        /// <summary>
        /// The ports to offer Orthanc, one per start attempt. By default (null) Orthanc binds port 0 and we read the
        /// port it got from /proc; where there is no /proc, one the system has just handed out.
        /// </summary>
        public Func<int>? PortCandidates { get; init; }

        /// <summary>How many starts it took (more than 1 when a port was taken under our feet).</summary>
        public int StartAttempts { get; private set; }

        /// <summary>
        /// Where /proc is missing, Orthanc (which takes "HttpPort": 0 but only logs "port: 0") cannot tell us its port.
        /// So this offers one the system just handed out (likely free) and, since another process may take it before
        /// Orthanc binds it, the start is retried on a new port when Orthanc reports the port in use. Never a silent
        /// race: either Orthanc owns the port or it exits saying so.
        /// </summary>
        internal static int EphemeralPortCandidate()
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            return ((IPEndPoint)socket.LocalEndPoint!).Port;
        }

        private async Task StartAsync(string orthanc, TimeSpan timeout)
        {
            var plugin = FindDicomWebPlugin();
            StoragePath = Path.Combine(StorageRoot ?? Path.GetTempPath(), "dicomtools-orthanc-" + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(StoragePath);
            Password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
            var watch = Stopwatch.StartNew();
            for (var attempt = 1; ; attempt++)
            {
                StartAttempts = attempt;
                var port = PortCandidates != null ? PortCandidates() : ListeningPorts.Supported ? 0 : EphemeralPortCandidate();
                var outcome = await StartOnPortAsync(orthanc, plugin, port, timeout);
                if (outcome == null) break;
                var portTaken = outcome.Contains("already in use", StringComparison.OrdinalIgnoreCase);
                if (!portTaken || attempt >= MaximumStartAttempts)
                {
                    await DisposeAsync();
                    throw new InvalidOperationException(outcome + (portTaken ? $" (tried {attempt} ports)" : string.Empty));
                }
            }
            StartupTime = watch.Elapsed;
        }

        /// <summary>Starts Orthanc on <paramref name="port"/>; null when it answers, else why it did not (its process is gone then).</summary>
        private async Task<string?> StartOnPortAsync(string orthanc, string plugin, int port, TimeSpan timeout)
        {
            var config = new Dictionary<string, object>
            {
                ["Name"] = "dicomtools-test",
                ["HttpPort"] = port,
                ["RemoteAccessAllowed"] = false,
                ["DicomServerEnabled"] = false,
                ["AuthenticationEnabled"] = true,
                ["RegisteredUsers"] = new Dictionary<string, string> { [UserName] = Password },
                ["StorageDirectory"] = Path.Combine(StoragePath, "storage"),
                ["IndexDirectory"] = Path.Combine(StoragePath, "index"),
                ["Plugins"] = new[] { plugin },
                ["DicomWeb"] = new Dictionary<string, object> { ["Enable"] = true, ["Root"] = "/dicom-web/" },
            };
            var configPath = Path.Combine(StoragePath, "orthanc.json");
            await File.WriteAllTextAsync(configPath, JsonSerializer.Serialize(config));
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(configPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);   // it holds the password

            lock (_logTail) _logTail.Clear();
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var startInfo = new ProcessStartInfo(orthanc) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            startInfo.ArgumentList.Add(configPath);
            var process = Process.Start(startInfo) ?? throw new InvalidOperationException("Orthanc did not start.");
            _process = process;
            process.OutputDataReceived += (_, e) => KeepLog(e.Data, started);
            process.ErrorDataReceived += (_, e) => KeepLog(e.Data, started);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            // Orthanc says "Orthanc has started" once its HTTP server listens; or it exits. The timeout only guards.
            var exited = process.WaitForExitAsync();
            var first = await Task.WhenAny(started.Task, exited, Task.Delay(timeout));
            if (first == exited || process.HasExited)
            {
                await exited;   // the output handlers have run: the log tail is complete
                var why = $"Orthanc exited with code {process.ExitCode} before it was ready. Its log:\n{LogTail()}";
                await DisposeProcessAsync();
                return why;
            }
            if (first != started.Task)
            {
                await DisposeAsync();
                throw new TimeoutException($"Orthanc did not say it had started within {timeout.TotalSeconds:0} s. Its log:\n{LogTail()}");
            }
            if (port == 0)
            {
                // Its HTTP server listens before it says it has started; with DICOM off, that is its only listening socket.
                var ports = ListeningPorts.Of(process.Id);
                if (ports.Count != 1)
                {
                    await DisposeAsync();
                    throw new InvalidOperationException($"Orthanc, started on port 0, listens on {ports.Count} ports ({string.Join(", ", ports)}); expected its HTTP port alone.");
                }
                port = ports[0];
            }
            BaseAddress = new Uri($"http://127.0.0.1:{port}/");

            // It is ours on that port: our random password is accepted there.
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            client.DefaultRequestHeaders.Authorization = Authorization;
            using var response = await client.GetAsync(new Uri(BaseAddress, "system"));
            if (!response.IsSuccessStatusCode)
            {
                await DisposeAsync();
                throw new InvalidOperationException($"GET {BaseAddress}system answered {(int)response.StatusCode} with our credentials: not our Orthanc.");
            }
            return null;
        }

        private void KeepLog(string? line, TaskCompletionSource started)
        {
            if (line == null) return;
            if (line.Contains("Orthanc has started", StringComparison.Ordinal)) started.TrySetResult();
            lock (_logTail)
            {
                _logTail.Enqueue(line);
                while (_logTail.Count > 40) _logTail.Dequeue();
            }
        }

        /// <summary>The last lines Orthanc printed, for failure messages.</summary>
        public string LogTail()
        {
            lock (_logTail) return string.Join("\n", _logTail);
        }

        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        private static extern int SendSignal(int pid, int signal);

        /// <summary>SIGTERM, wait for a clean stop (kill if it hangs), then remove the folder.</summary>
        public async Task DisposeAsync()
        {
            await DisposeProcessAsync();
            if (StoragePath.Length > 0 && Directory.Exists(StoragePath))
            {
                try { Directory.Delete(StoragePath, recursive: true); }
                catch (IOException) { }
            }
        }

        private async Task DisposeProcessAsync()
        {
            var process = Interlocked.Exchange(ref _process, null);
            if (process != null)
            {
                if (!process.HasExited)
                {
                    if (OperatingSystem.IsWindows()) process.Kill(entireProcessTree: true);
                    else SendSignal(process.Id, Sigterm);
                    using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                    try { await process.WaitForExitAsync(wait.Token); }
                    catch (OperationCanceledException)
                    {
                        process.Kill(entireProcessTree: true);
                        await process.WaitForExitAsync();
                    }
                }
                process.Dispose();
            }
        }
    }
}
