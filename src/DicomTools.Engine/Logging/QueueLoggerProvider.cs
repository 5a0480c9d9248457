using System;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace DicomTools.Engine.Logging
{
    /// <summary>
    /// Collects entries from any thread; the cmdlet drains them on the pipeline thread, the only
    /// thread where PowerShell's Write* methods work. When a <see cref="ILogEntrySink"/> (the run's log
    /// file) is attached, each entry also goes there at once, from the thread that logged it, so the
    /// file follows the run as it happens even while the pipeline thread is busy.
    /// </summary>
    public sealed class QueueLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<LogEntry> _entries = new ConcurrentQueue<LogEntry>();

        public QueueLoggerProvider(LogLevel minimum = LogLevel.Trace, ILogEntrySink? sink = null, Redactor? redactor = null)
        {
            Minimum = minimum;
            Sink = sink;
            Redactor = redactor ?? new Redactor();
        }

        /// <summary>The lowest level queued for the PowerShell streams.</summary>
        public LogLevel Minimum { get; }

        public ILogEntrySink? Sink { get; }

        public Redactor Redactor { get; }

        public ILogger CreateLogger(string categoryName) => new EntryLogger(categoryName, Redactor, IsEnabled, Write);

        public bool TryDequeue(out LogEntry entry) => _entries.TryDequeue(out entry!);

        /// <summary>For the cmdlet's own messages: they reach the same sinks, in the same form, as the engine's.</summary>
        public void Write(LogEntry entry)
        {
            if (Sink != null && entry.Severity >= Sink.Minimum && entry.Severity != LogLevel.None) Sink.Write(entry);
            if (entry.Severity >= Minimum && entry.Severity != LogLevel.None) _entries.Enqueue(entry);
        }

        private bool IsEnabled(LogLevel severity) =>
            severity >= Minimum || (Sink != null && severity >= Sink.Minimum);

        public void Dispose() { }
    }
}
