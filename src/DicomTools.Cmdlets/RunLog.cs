using System;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using DicomTools.Engine.Logging;

namespace DicomTools.Cmdlets
{
    /// <summary>
    /// The log file of the run going on in this runspace, if any. While Invoke-SampleUpload runs, every
    /// DicomTools cmdlet's log queue also writes here, so the file holds the whole run. Kept per runspace:
    /// two runs in parallel runspaces (ForEach-Object -Parallel, jobs) each keep their own file.
    /// </summary>
    internal static class RunLog
    {
        private sealed class Holder { public ILogEntrySink? Sink; }

        private static readonly ConditionalWeakTable<Runspace, Holder> Sinks = new ConditionalWeakTable<Runspace, Holder>();

        public static ILogEntrySink? Current
        {
            get
            {
                var runspace = Runspace.DefaultRunspace;
                return runspace != null && Sinks.TryGetValue(runspace, out var holder) ? holder.Sink : null;
            }
        }

        /// <summary>Makes <paramref name="sink"/> this runspace's run log until the returned scope is disposed.</summary>
        public static IDisposable Attach(ILogEntrySink sink)
        {
            var runspace = Runspace.DefaultRunspace;
            if (runspace == null) return new Scope(null, null);
            var holder = Sinks.GetOrCreateValue(runspace);
            var previous = holder.Sink;
            holder.Sink = sink;
            return new Scope(holder, previous);
        }

        private sealed class Scope : IDisposable
        {
            private Holder? _holder;
            private readonly ILogEntrySink? _previous;

            public Scope(Holder? holder, ILogEntrySink? previous) { _holder = holder; _previous = previous; }

            public void Dispose()
            {
                if (_holder != null) _holder.Sink = _previous;
                _holder = null;
            }
        }
    }
}
