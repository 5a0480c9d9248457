using System;
using Microsoft.Extensions.Logging;

namespace DicomTools.Engine.Logging
{
    /// <summary>An ILoggerProvider writing straight to a <see cref="LogFileWriter"/>, for code that runs without a cmdlet (tools, tests).</summary>
    public sealed class FileLoggerProvider : ILoggerProvider
    {
        private readonly LogFileWriter _file;
        private readonly Redactor _redactor;

        public FileLoggerProvider(LogFileWriter file, Redactor? redactor = null)
        {
            _file = file ?? throw new ArgumentNullException(nameof(file));
            _redactor = redactor ?? new Redactor();
        }

        public ILogger CreateLogger(string categoryName) =>
            new EntryLogger(categoryName, _redactor, severity => severity >= _file.Minimum, _file.Write);

        /// <summary>The writer belongs to whoever created it (it outlives any one provider).</summary>
        public void Dispose() { }
    }
}
