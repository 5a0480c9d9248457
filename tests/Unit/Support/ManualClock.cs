using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;

namespace DicomTools.Tests.Unit.Support
{
    /// <summary>
    /// A <see cref="FakeTimeProvider"/> that also tells the test when code under test starts waiting (a retry delay,
    /// a per-attempt timeout), and for how long, so the test moves time by exactly that much instead of sleeping.
    /// Starts at a whole second, so that HTTP dates (whole seconds on the wire) compare exactly.
    /// </summary>
    internal sealed class ManualClock : FakeTimeProvider
    {
        /// <summary>How long a test waits, on the real clock, for the code under test to start a wait: a failure guard only.</summary>
        public static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

        private readonly Channel<TimeSpan> _waits = Channel.CreateUnbounded<TimeSpan>();

        public ManualClock() : base(new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero)) { }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new ObservedTimer(base.CreateTimer(callback, state, dueTime, period), _waits.Writer);
            if (dueTime != Timeout.InfiniteTimeSpan) _waits.Writer.TryWrite(dueTime);
            return timer;
        }

        /// <summary>The length of the next wait the code under test starts that <paramref name="match"/>es (earlier ones are skipped).</summary>
        public async Task<TimeSpan> NextWaitAsync(Func<TimeSpan, bool>? match = null)
        {
            using var guard = new CancellationTokenSource(Guard);
            while (true)
            {
                TimeSpan due;
                try { due = await _waits.Reader.ReadAsync(guard.Token); }
                catch (OperationCanceledException) { throw new TimeoutException($"Nothing started a matching wait within {Guard.TotalSeconds:0} s."); }
                if (match == null || match(due)) return due;
            }
        }

        /// <summary>Waits for the next matching wait to start, then moves time past it; returns its length.</summary>
        public async Task<TimeSpan> ElapseNextWaitAsync(Func<TimeSpan, bool>? match = null)
        {
            var due = await NextWaitAsync(match);
            Advance(due);
            return due;
        }

        private sealed class ObservedTimer : ITimer
        {
            private readonly ITimer _inner;
            private readonly ChannelWriter<TimeSpan> _waits;

            public ObservedTimer(ITimer inner, ChannelWriter<TimeSpan> waits) { _inner = inner; _waits = waits; }

            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                var changed = _inner.Change(dueTime, period);
                if (dueTime != Timeout.InfiniteTimeSpan) _waits.TryWrite(dueTime);
                return changed;
            }

            public void Dispose() => _inner.Dispose();
            public ValueTask DisposeAsync() => _inner.DisposeAsync();
        }
    }

    internal static class GuardedTasks
    {
        /// <summary>The task's result, or a TimeoutException after <see cref="ManualClock.Guard"/> of real time (a hang is a failure, not a wait).</summary>
        public static Task<T> Guarded<T>(this Task<T> task) => task.WaitAsync(ManualClock.Guard);
    }
}

namespace DicomTools.Tests.Unit.Support
{
    internal static class Conditions
    {
        /// <summary>
        /// Completes once <paramref name="condition"/> holds, for state another process or server thread changes
        /// without an event to wait on (a journal entry). Checks often; the real-time guard only catches a hang.
        /// </summary>
        public static async Task UntilAsync(System.Func<bool> condition, string what)
        {
            var guard = System.Diagnostics.Stopwatch.StartNew();
            while (!condition())
            {
                if (guard.Elapsed > ManualClock.Guard) throw new System.TimeoutException($"Still waiting for {what} after {ManualClock.Guard.TotalSeconds:0} s.");
                await Task.Delay(5);
            }
        }
    }
}
