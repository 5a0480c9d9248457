using System;
using Microsoft.Extensions.Logging;

namespace DicomTools.Engine.Logging
{
    /// <summary>
    /// The one ILogger our providers hand out: formats, redacts and turns a call into a <see cref="LogEntry"/>,
    /// then gives it to the provider. Redaction happens here, once, before any sink sees the text.
    /// </summary>
    internal sealed class EntryLogger : ILogger
    {
        private readonly string _category;
        private readonly Redactor _redactor;
        private readonly Func<LogLevel, bool> _isEnabled;
        private readonly Action<LogEntry> _write;

        public EntryLogger(string category, Redactor redactor, Func<LogLevel, bool> isEnabled, Action<LogEntry> write)
        {
            _category = category;
            _redactor = redactor;
            _isEnabled = isEnabled;
            _write = write;
        }

        public IDisposable BeginScope<TState>(TState state) where TState : notnull => NullScope.Instance;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && _isEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var message = formatter(state, exception) ?? string.Empty;
            string? details = null;
            if (exception != null)
            {
                var reasons = _redactor.RedactMessages(exception);
                if (message.IndexOf(reasons, StringComparison.Ordinal) < 0) message = message.Length == 0 ? reasons : message + " " + reasons;
                details = _redactor.Redact(exception.ToString());
            }
            _write(new LogEntry(DateTimeOffset.Now, logLevel, _category, _redactor.Redact(message), details));
        }

        private sealed class NullScope : IDisposable
        {
            public static readonly NullScope Instance = new NullScope();
            public void Dispose() { }
        }
    }
}
