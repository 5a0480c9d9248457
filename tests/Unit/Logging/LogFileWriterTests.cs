using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using DicomTools.Engine.Logging;
using Microsoft.Extensions.Logging;
using Xunit;

namespace DicomTools.Tests.Unit.Logging
{
    public sealed class LogFileWriterTests : IDisposable
    {
        private static readonly Regex LineFormat = new Regex(@"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2} \| \[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\] \| .*$");
        private readonly string _folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "logfile-" + Guid.NewGuid().ToString("N"))).FullName;

        public void Dispose() => Directory.Delete(_folder, true);

        private string LogPath => Path.Combine(_folder, "sub", "ref-1.log");

        [Fact]
        public void WritesOneLineInTheOriginalFormatAndFlushesEachEntry()
        {
            using var file = new LogFileWriter(LogPath);
            var logger = new FileLoggerProvider(file, new Redactor()).CreateLogger("Run");
            var at = DateTimeOffset.Now;
            logger.LogInformation("Fetched metadata for {SampleId}", "ref0000022tes-cbc");

            // Read while the writer is still open: a crash right now must leave this line on disk.
            var lines = ReadShared(LogPath);
            Assert.Single(lines);
            Assert.Matches(LineFormat, lines[0]);
            Assert.EndsWith(" | [INFO] | Fetched metadata for ref0000022tes-cbc", lines[0]);
            var stamp = DateTime.ParseExact(lines[0].Substring(0, 19), "MM/dd/yyyy HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange((stamp - at.LocalDateTime).TotalSeconds, -2, 2);
        }

        [Fact]
        public void KeepsEntriesAtOrAboveItsLevelAndNamesLevelsAsPythonDoes()
        {
            using (var file = new LogFileWriter(LogPath, LogLevel.Warning))
            {
                var logger = new FileLoggerProvider(file, new Redactor()).CreateLogger("Run");
                logger.LogDebug("debug");
                logger.LogInformation("info");
                logger.LogWarning("warn");
                logger.LogError("error");
                logger.LogCritical("critical");
            }
            var levels = ReadShared(LogPath).Select(l => l.Split('|')[1].Trim()).ToArray();
            Assert.Equal(new[] { "[WARNING]", "[ERROR]", "[CRITICAL]" }, levels);
        }

        [Fact]
        public void AppendsToAnExistingLogAsARerunDoes()
        {
            using (var first = new LogFileWriter(LogPath)) first.Write(Entry("first run"));
            using (var second = new LogFileWriter(LogPath)) second.Write(Entry("second run"));
            var lines = ReadShared(LogPath);
            Assert.Equal(2, lines.Length);
            Assert.EndsWith("first run", lines[0]);
            Assert.EndsWith("second run", lines[1]);
        }

        [Fact]
        public void AMultiLineMessageStaysOneEntryAndTheStackOnlyAtDebug()
        {
            Exception thrown;
            try { throw new InvalidOperationException("upload of a.dcm failed"); } catch (Exception ex) { thrown = ex; }
            using (var file = new LogFileWriter(LogPath, LogLevel.Information))
            {
                var logger = new FileLoggerProvider(file, new Redactor()).CreateLogger("Run");
                logger.LogError(thrown, "Run failed:\nsee below");
            }
            var lines = ReadShared(LogPath);
            Assert.Single(lines);
            Assert.EndsWith("[ERROR] | Run failed: see below upload of a.dcm failed", lines[0]);

            File.Delete(LogPath);
            using (var file = new LogFileWriter(LogPath, LogLevel.Debug))
                new FileLoggerProvider(file, new Redactor()).CreateLogger("Run").LogError(thrown, "Run failed");
            lines = ReadShared(LogPath);
            Assert.Matches(LineFormat, lines[0]);
            Assert.All(lines.Skip(1), l => Assert.StartsWith("    ", l));
            Assert.Contains(lines, l => l.Contains("System.InvalidOperationException"));
        }

        [Fact]
        public void ConcurrentWritersNeverInterleaveAndEachWritersOrderIsKept()
        {
            const int writers = 16, perWriter = 400;
            using (var file = new LogFileWriter(LogPath, LogLevel.Debug))
            {
                var provider = new QueueLoggerProvider(LogLevel.None, file, new Redactor());
                var padding = new string('x', 300); // long lines make a torn write visible
                Parallel.For(0, writers, new ParallelOptions { MaxDegreeOfParallelism = writers }, w =>
                {
                    var logger = provider.CreateLogger("Upload" + w);
                    for (var i = 0; i < perWriter; i++) logger.LogInformation("writer {Writer} entry {Entry} {Padding}", w, i, padding);
                });
            }
            var lines = ReadShared(LogPath);
            Assert.Equal(writers * perWriter, lines.Length);
            var entry = new Regex(@"\| \[INFO\] \| writer (\d+) entry (\d+) x{300}$");
            var next = new int[writers];
            foreach (var line in lines)
            {
                Assert.Matches(LineFormat, line);
                var m = entry.Match(line);
                Assert.True(m.Success, "torn or mixed line: " + line);
                var w = int.Parse(m.Groups[1].Value);
                Assert.Equal(next[w]++, int.Parse(m.Groups[2].Value));
            }
            Assert.All(next, n => Assert.Equal(perWriter, n));
        }

        private static LogEntry Entry(string message) =>
            new LogEntry(DateTimeOffset.Now, LogLevel.Information, "Test", message);

        private static string[] ReadShared(string path)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
    }
}
