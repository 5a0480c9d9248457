using System;
using Microsoft.Extensions.Logging;
using System.Globalization;

namespace DicomTools.Engine.Logging
{
    /// <summary>
    /// Log level names as the original Python script knew them (LOG_LEVEL=DEBUG/INFO/WARNING/ERROR/CRITICAL,
    /// or their numbers) alongside .NET's, so an existing .env file keeps working.
    /// </summary>
    public static class LogLevels
    {
        public const string AcceptedNames = "DEBUG, INFO, WARNING, ERROR, CRITICAL (or Trace, Information, None, or Python's numbers 10-50)";

        public static bool TryParse(string? text, out LogLevel severity)
        {
            severity = LogLevel.Information;
            if (text == null) return false;
            var name = text.Trim();
            if (name.Length == 0) return false;
            if (int.TryParse(name, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
                return TryFromPythonNumber(number, out severity);
            switch (name.ToUpperInvariant())
            {
                case "NOTSET":
                case "TRACE":
                case "ALL": severity = LogLevel.Trace; return true;
                case "DEBUG":
                case "VERBOSE": severity = LogLevel.Debug; return true;
                case "INFO":
                case "INFORMATION": severity = LogLevel.Information; return true;
                case "WARN":
                case "WARNING": severity = LogLevel.Warning; return true;
                case "ERROR": severity = LogLevel.Error; return true;
                case "CRITICAL":
                case "FATAL": severity = LogLevel.Critical; return true;
                case "NONE":
                case "OFF": severity = LogLevel.None; return true;
                default: return false;
            }
        }

        /// <summary>Parses a level or throws an <see cref="ArgumentException"/> naming where it came from.</summary>
        public static LogLevel Parse(string text, string origin)
        {
            if (TryParse(text, out var severity)) return severity;
            throw new ArgumentException($"'{text}' from {origin} is not a log level; use one of {AcceptedNames}.");
        }

        /// <summary>Python's levelname, as the log file prints it: the original's log files keep their look.</summary>
        public static string FileName(LogLevel severity)
        {
            switch (severity)
            {
                case LogLevel.Trace:
                case LogLevel.Debug: return "DEBUG";
                case LogLevel.Information: return "INFO";
                case LogLevel.Warning: return "WARNING";
                case LogLevel.Error: return "ERROR";
                default: return "CRITICAL";
            }
        }

        // Python levels are multiples of ten; anything between rounds down, as logging.getLevelName's neighbours do.
        private static bool TryFromPythonNumber(int number, out LogLevel severity)
        {
            severity = LogLevel.Information;
            if (number < 0) return false;
            if (number < 10) severity = LogLevel.Trace;
            else if (number < 20) severity = LogLevel.Debug;
            else if (number < 30) severity = LogLevel.Information;
            else if (number < 40) severity = LogLevel.Warning;
            else if (number < 50) severity = LogLevel.Error;
            else severity = LogLevel.Critical;
            return true;
        }
    }
}
