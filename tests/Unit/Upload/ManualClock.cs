using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace DicomTools.Tests.Unit.Upload
{
    /// <summary>A clock that moves only when the test says so; its timers fire inside <see cref="Advance"/>.</summary>
    internal sealed class ManualClock : TimeProvider
    {
        private static readonly DateTimeOffset Start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        private readonly object _lock = new object();
        private readonly List<Timer> _timers = new List<Timer>();
        private long _now;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() { lock (_lock) return _now; }
        public override DateTimeOffset GetUtcNow() => Start.AddTicks(GetTimestamp());

        /// <summary>Number of timers waiting to fire (a Delay in progress is one).</summary>
        public int PendingTimers { get { lock (_lock) return _timers.Count(t => t.Due != null); } }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new Timer(this, callback, state);
            lock (_lock) _timers.Add(timer);
            timer.Change(dueTime, period);
            return timer;
        }

        public void Advance(TimeSpan by)
        {
            List<Timer> due;
            lock (_lock)
            {
                _now += by.Ticks;
                due = _timers.Where(t => t.Due != null && t.Due <= _now).ToList();
                foreach (var t in due) t.Due = t.Period is long p && p > 0 ? _now + p : null;
            }
            foreach (var t in due) t.Fire();
        }

        private sealed class Timer : ITimer
        {
            private readonly ManualClock _clock;
            private readonly TimerCallback _callback;
            private readonly object? _state;
            public Timer(ManualClock clock, TimerCallback callback, object? state) { _clock = clock; _callback = callback; _state = state; }
            public long? Due { get; set; }
            public long? Period { get; set; }
            public void Fire() => _callback(_state);

            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                lock (_clock._lock)
                {
                    Due = dueTime == Timeout.InfiniteTimeSpan ? null : _clock._now + dueTime.Ticks;
                    Period = period == Timeout.InfiniteTimeSpan ? null : period.Ticks;
                }
                return true;
            }

            public void Dispose() { lock (_clock._lock) { Due = null; _clock._timers.Remove(this); } }
            public System.Threading.Tasks.ValueTask DisposeAsync() { Dispose(); return default; }
        }
    }
}
