using System;

namespace DicomTools.Engine.Logging
{
    /// <summary>Our own log level, so the cmdlet layer needs no reference to Microsoft.Extensions.Logging.</summary>
    public enum LogSeverity { Trace = 0, Debug = 1, Information = 2, Warning = 3, Error = 4, Critical = 5, None = 6 }

    /// <summary>One log entry, already redacted, waiting for the pipeline thread.</summary>
    public sealed class LogEntry
    {
        public LogEntry(DateTimeOffset timestamp, LogSeverity severity, string category, string message, string? details = null)
        { Timestamp = timestamp; Severity = severity; Category = category; Message = message; Details = details; }
        public DateTimeOffset Timestamp { get; }
        public LogSeverity Severity { get; }
        public string Category { get; }
        /// <summary>One line: the message, and the exception's messages when there was one.</summary>
        public string Message { get; }
        /// <summary>The exception in full (type, stack), redacted; only the log file shows it, at Debug level.</summary>
        public string? Details { get; }
    }

    /// <summary>Something that takes entries as they happen, from any thread (the run's log file).</summary>
    public interface ILogEntrySink
    {
        LogSeverity Minimum { get; }
        void Write(LogEntry entry);
    }
}
