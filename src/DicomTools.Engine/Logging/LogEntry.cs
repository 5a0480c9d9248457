using System;

namespace DicomTools.Engine.Logging
{
    /// <summary>Our own log level, so the cmdlet layer needs no reference to Microsoft.Extensions.Logging.</summary>
    public enum LogSeverity { Trace = 0, Debug = 1, Information = 2, Warning = 3, Error = 4, Critical = 5, None = 6 }

    /// <summary>One log entry, already redacted, waiting for the pipeline thread.</summary>
    public sealed class LogEntry
    {
        public LogEntry(DateTimeOffset timestamp, LogSeverity severity, string category, string message)
        { Timestamp = timestamp; Severity = severity; Category = category; Message = message; }
        public DateTimeOffset Timestamp { get; }
        public LogSeverity Severity { get; }
        public string Category { get; }
        public string Message { get; }
    }
}
