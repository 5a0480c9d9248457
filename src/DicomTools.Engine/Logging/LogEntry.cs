using System;
using Microsoft.Extensions.Logging;

namespace DicomTools.Engine.Logging
{

    /// <summary>One log entry, already redacted, waiting for the pipeline thread.</summary>
    public sealed class LogEntry
    {
        public LogEntry(DateTimeOffset timestamp, LogLevel severity, string category, string message, string? details = null)
        { Timestamp = timestamp; Severity = severity; Category = category; Message = message; Details = details; }
        public DateTimeOffset Timestamp { get; }
        public LogLevel Severity { get; }
        public string Category { get; }
        /// <summary>One line: the message, and the exception's messages when there was one.</summary>
        public string Message { get; }
        /// <summary>The exception in full (type, stack), redacted; only the log file shows it, at Debug level.</summary>
        public string? Details { get; }
    }

    /// <summary>Something that takes entries as they happen, from any thread (the run's log file).</summary>
    public interface ILogEntrySink
    {
        LogLevel Minimum { get; }
        void Write(LogEntry entry);
    }
}
