using System;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace DicomTools.Engine.Logging
{
    /// <summary>
    /// Collects entries from any thread; the cmdlet drains them on the pipeline thread, the only
    /// thread where PowerShell's Write* methods work.
    /// </summary>
    public sealed class QueueLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<LogEntry> _entries = new ConcurrentQueue<LogEntry>();

        public QueueLoggerProvider(LogSeverity minimum = LogSeverity.Trace) => Minimum = minimum;

        public LogSeverity Minimum { get; }

        public ILogger CreateLogger(string categoryName) => new QueueLogger(this, categoryName);

        public bool TryDequeue(out LogEntry entry) => _entries.TryDequeue(out entry!);

        internal void Enqueue(LogEntry entry) => _entries.Enqueue(entry);

        public void Dispose() { }

        private sealed class QueueLogger : ILogger
        {
            private readonly QueueLoggerProvider _owner;
            private readonly string _category;

            public QueueLogger(QueueLoggerProvider owner, string category) { _owner = owner; _category = category; }

            public IDisposable BeginScope<TState>(TState state) where TState : notnull => NullScope.Instance;

            public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && (int)logLevel >= (int)_owner.Minimum;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (!IsEnabled(logLevel)) return;
                var message = formatter(state, exception);
                if (exception != null) message = message + " " + exception.Message;
                _owner.Enqueue(new LogEntry(DateTimeOffset.Now, (LogSeverity)(int)logLevel, _category, message));
            }
        }

        private sealed class NullScope : IDisposable
        {
            public static readonly NullScope Instance = new NullScope();
            public void Dispose() { }
        }
    }
}
