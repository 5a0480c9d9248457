using System;
using Microsoft.Extensions.Logging;
using System.Globalization;
using System.IO;
using System.Text;

namespace DicomTools.Engine.Logging
{
    /// <summary>
    /// The run's log file, one line per entry as the original script wrote it:
    /// <c>MM/dd/yyyy HH:mm:ss | [LEVEL] | message</c>. Every entry is written whole under one lock and flushed
    /// at once, so concurrent uploads never interleave inside a line and a crash leaves everything logged so
    /// far. The file is opened for append (as Python's FileHandler does): a re-run adds to the same log.
    /// </summary>
    public sealed class LogFileWriter : ILogEntrySink, IDisposable
    {
        public const string TimestampFormat = "MM/dd/yyyy HH:mm:ss";

        private static readonly Encoding Utf8NoBom = new UTF8Encoding(false);
        private readonly object _gate = new object();
        private StreamWriter? _writer;

        public LogFileWriter(string path, LogLevel minimum = LogLevel.Information)
        {
            Path = System.IO.Path.GetFullPath(path);
            Minimum = minimum;
            var folder = System.IO.Path.GetDirectoryName(Path);
            if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
            // ReadWrite sharing: an admin can tail the file, and Send-DicomToolsLog can read it, while the run goes on.
            var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            _writer = new StreamWriter(stream, Utf8NoBom) { NewLine = "\n" };
        }

        public string Path { get; }

        public LogLevel Minimum { get; }

        public static string FormatLine(LogEntry entry) =>
            entry.Timestamp.ToLocalTime().ToString(TimestampFormat, CultureInfo.InvariantCulture)
            + " | [" + LogLevels.FileName(entry.Severity) + "] | "
            + OneLine(entry.Message);

        public void Write(LogEntry entry)
        {
            if (entry.Severity < Minimum || entry.Severity == LogLevel.None) return;
            var text = FormatLine(entry);
            // The stack trace is for whoever debugs: only when the file is at Debug level, indented under its line.
            if (entry.Details != null && Minimum <= LogLevel.Debug)
                text += "\n    " + entry.Details.Replace("\r\n", "\n").Replace("\n", "\n    ");
            lock (_gate)
            {
                if (_writer == null) return;
                _writer.Write(text);
                _writer.Write('\n');
                _writer.Flush();
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _writer?.Dispose();
                _writer = null;
            }
        }

        // A message with line breaks would look like several entries to anyone parsing the file.
        private static string OneLine(string message) =>
            message.IndexOf('\n') < 0 && message.IndexOf('\r') < 0
                ? message
                : message.Replace("\r\n", " ").Replace('\n', ' ').Replace('\r', ' ');
    }
}
