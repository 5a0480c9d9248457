using System;
using Microsoft.Extensions.Logging;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using DicomTools.Engine.Logging;

namespace DicomTools.Cmdlets
{
    /// <summary>
    /// What every DicomTools cmdlet shares: a cancellation token that Ctrl+C (StopProcessing) cancels,
    /// a log queue drained on the pipeline thread, and provider-aware path resolution.
    /// </summary>
    /// <summary>Stands in for an exception whose message named a secret: the type name survives, the secret does not.</summary>
    public sealed class RedactedException : Exception
    {
        public RedactedException(string originalType, string message) : base(message) => OriginalType = originalType;
        public string OriginalType { get; }
    }

    // The token source has no timer and no linked registrations, so it holds nothing the GC cannot take: it is disposed at
    // EndProcessing, and after a stopped pipeline (no EndProcessing) the GC has it. Making every cmdlet IDisposable for it
    // would only add a second disposal path.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "See the comment above: nothing unmanaged is held.")]
    public abstract class DicomToolsCmdlet : PSCmdlet
    {
        private CancellationTokenSource? _cancellation;

        protected CancellationToken CancellationToken => _cancellation?.Token ?? CancellationToken.None;

        /// <summary>
        /// Logic classes log here from any thread; <see cref="DrainLog"/> writes on the pipeline thread. Entries
        /// are redacted by this invocation's <see cref="Redactor"/>, and also reach the run's log file when a run
        /// (Invoke-SampleUpload) is going on in this runspace.
        /// </summary>
        protected QueueLoggerProvider LogQueue { get; private set; } = new QueueLoggerProvider();

        /// <summary>
        /// This invocation's redactor: register every secret the cmdlet resolves, before anything can log it. One per
        /// invocation (a cmdlet object serves one), so a secret given to one command never masks another's output.
        /// </summary>
        protected Redactor Redactor { get; } = new Redactor();

        /// <summary>
        /// What an error record will do to this command: -ErrorAction if given, else $ErrorActionPreference (an
        /// enum, or text such as 'Stop' set by a script), else Continue.
        /// </summary>
        protected ActionPreference EffectiveErrorAction()
        {
            var value = MyInvocation.BoundParameters.TryGetValue("ErrorAction", out var bound) ? bound : GetVariableValue("ErrorActionPreference");
            if (value is PSObject wrapped) value = wrapped.BaseObject;
            return value is ActionPreference action ? action
                : value != null && Enum.TryParse<ActionPreference>(value.ToString(), true, out var parsed) ? parsed
                : ActionPreference.Continue;
        }

        /// <summary>
        /// Runs just before an error record that will end the command (-ErrorAction Stop) is written, because PowerShell stops
        /// the pipeline inside that WriteError and nothing can be written after it: a cmdlet with files in flight writes their
        /// results here, so that no file is changed or sent without its result.
        /// </summary>
        protected virtual void FinishBeforeTerminatingError() { }

        /// <summary>WriteError for a problem with one input (a path that resolves to nothing, a folder, another provider).</summary>
        protected void WriteInputError(ErrorRecord record)
        {
            if (EffectiveErrorAction() == ActionPreference.Stop) FinishBeforeTerminatingError();
            WriteError(record);
        }

        protected override void BeginProcessing()
        {
            _cancellation = new CancellationTokenSource();
            LogQueue = new QueueLoggerProvider(MinimumLogSeverity(), RunLog.Current, Redactor);
        }

        /// <summary>Starts a new log queue (for a cmdlet that opens its own log file once its parameters are known).</summary>
        protected void ResetLogQueue(ILogEntrySink? sink) =>
            LogQueue = new QueueLoggerProvider(MinimumLogSeverity(), sink, Redactor);

        protected override void StopProcessing() => _cancellation?.Cancel();

        protected override void EndProcessing()
        {
            DrainLog();
            DisposeCancellation();
        }

        protected void DisposeCancellation()
        {
            _cancellation?.Dispose();
            _cancellation = null;
        }

        /// <summary>A warning that does not turn into a prompt under -Debug (see <see cref="UnattendedStreams"/>).</summary>
        protected new void WriteWarning(string text)
        {
            if (!UnattendedStreams.TryWrite(this, UnattendedStreams.Stream.Warning, text)) base.WriteWarning(text);
        }

        /// <summary>A verbose line that does not turn into a prompt under -Debug (see <see cref="UnattendedStreams"/>).</summary>
        protected new void WriteVerbose(string text)
        {
            if (!UnattendedStreams.TryWrite(this, UnattendedStreams.Stream.Verbose, text)) base.WriteVerbose(text);
        }

        /// <summary>Debug entries are only worth formatting when someone asked to see them.</summary>
        private LogLevel MinimumLogSeverity()
        {
            var debug = MyInvocation.BoundParameters.ContainsKey("Debug")
                || !Equals(GetVariableValue("DebugPreference"), ActionPreference.SilentlyContinue);
            return debug ? LogLevel.Trace : LogLevel.Information;
        }

        /// <summary>A message of the cmdlet's own, redacted, through the same sinks as the engine's entries.</summary>
        protected void Log(LogLevel severity, string message) =>
            LogQueue.Write(new LogEntry(DateTimeOffset.Now, severity, GetType().Name, Redactor.Redact(message)));

        /// <summary>
        /// An error record whose text cannot carry a secret: an exception message that mentions one is replaced
        /// by its redacted form (same type where it can be), and the run's log file gets the error too.
        /// </summary>
        protected ErrorRecord RedactedErrorRecord(Exception exception, string errorId, ErrorCategory category, object? target)
        {
            var text = Redactor.RedactMessages(exception);
            var safe = MentionsSecret(exception)
                ? new RedactedException(exception.GetType().FullName ?? "Exception", text)
                : exception;
            var record = new ErrorRecord(safe, errorId, category, target);
            LogQueue.Sink?.Write(new LogEntry(DateTimeOffset.Now, LogLevel.Error, GetType().Name, text));
            return record;
        }

        private bool MentionsSecret(Exception exception)
        {
            for (var e = exception; e != null; e = e.InnerException)
            {
                if (Redactor.Redact(e.Message) != e.Message) return true;
            }
            return false;
        }

        /// <summary>Writes queued log entries to the PowerShell streams. Pipeline thread only.</summary>
        protected void DrainLog()
        {
            while (LogQueue.TryDequeue(out var entry))
            {
                switch (entry.Severity)
                {
                    case LogLevel.Trace:
                    case LogLevel.Debug:
                        WriteDebug(entry.Message);
                        break;
                    case LogLevel.Information:
                        WriteVerbose(entry.Message);
                        break;
                    case LogLevel.None:
                        break;
                    default:
                        WriteWarning(entry.Message);
                        break;
                }
            }
        }

        /// <summary>
        /// Resolves -Path (wildcards) or -LiteralPath to file-system paths. Non-FileSystem providers and
        /// paths that match nothing produce an error record and are skipped.
        /// </summary>
        protected IEnumerable<string> ResolveFilePaths(string[]? paths, bool literal)
        {
            if (paths == null) yield break;
            foreach (var p in paths)
            {
                List<string> resolved = new List<string>();
                ProviderInfo? provider = null;
                try
                {
                    if (literal)
                    {
                        var full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(p, out provider, out _);
                        resolved.Add(full);
                    }
                    else
                    {
                        resolved.AddRange(SessionState.Path.GetResolvedProviderPathFromPSPath(p, out provider));
                    }
                }
                catch (ItemNotFoundException ex)
                {
                    WriteInputError(new ErrorRecord(ex, "DicomTools.PathNotFound", ErrorCategory.ObjectNotFound, p));
                    continue;
                }
                catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is ProviderNotFoundException || ex is DriveNotFoundException)
                {
                    WriteInputError(new ErrorRecord(ex, "DicomTools.InvalidPath", ErrorCategory.InvalidArgument, p));
                    continue;
                }
                if (provider == null || !string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
                {
                    WriteInputError(new ErrorRecord(
                        new ArgumentException($"'{p}' is on the {provider?.Name ?? "unknown"} provider; DicomTools works with file-system paths only."),
                        "DicomTools.NotFileSystemPath", ErrorCategory.InvalidArgument, p));
                    continue;
                }
                foreach (var r in resolved) yield return r;
            }
        }
    }
}
