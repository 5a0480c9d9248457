using System;
using System.Globalization;

namespace DicomTools.Engine.Tagging
{
    /// <summary>
    /// Counts files and bytes done and says when a progress update is worth showing: not before a short
    /// delay (a quick run shows none), then at most a few times a second, so redirected output never floods.
    /// </summary>
    public sealed class ProgressMeter
    {
        private readonly TimeProvider _time;
        private readonly long _started;
        private readonly TimeSpan _firstAfter;
        private readonly TimeSpan _interval;
        private TimeSpan _lastReport = TimeSpan.MinValue;

        /// <param name="firstAfter">No update before this (default half a second: a quick run shows none).</param>
        /// <param name="interval">At most one update per this (default a quarter of a second).</param>
        /// <param name="timeProvider">The clock; the system's when null (tests pass a fake one).</param>
        public ProgressMeter(TimeSpan? firstAfter = null, TimeSpan? interval = null, TimeProvider? timeProvider = null)
        {
            _firstAfter = firstAfter ?? TimeSpan.FromMilliseconds(500);
            _interval = interval ?? TimeSpan.FromMilliseconds(250);
            _time = timeProvider ?? TimeProvider.System;
            _started = _time.GetTimestamp();
        }

        public long FilesDone { get; private set; }
        public long FilesQueued { get; set; }
        public long BytesDone { get; private set; }
        public bool Reported { get; private set; }
        public TimeSpan Elapsed => _time.GetElapsedTime(_started);

        public void Done(long bytes)
        {
            FilesDone++;
            BytesDone += Math.Max(0, bytes);
        }

        /// <summary>True (and remembers it) when an update is due now.</summary>
        public bool TryReport()
        {
            var now = Elapsed;
            if (now < _firstAfter) return false;
            if (Reported && now - _lastReport < _interval) return false;
            _lastReport = now;
            Reported = true;
            return true;
        }

        /// <summary>0..100 once the total is known, else -1.</summary>
        public int Percent(bool totalKnown) =>
            totalKnown && FilesQueued > 0 ? (int)Math.Min(100, FilesDone * 100 / FilesQueued) : -1;

        /// <summary>"120 of 2000 files, 61.2 MB, 48.0 files/s, 24.5 MB/s".</summary>
        public string Describe(bool totalKnown)
        {
            var seconds = Math.Max(Elapsed.TotalSeconds, 0.001);
            var mb = BytesDone / 1048576.0;
            var of = totalKnown ? " of " + FilesQueued.ToString(CultureInfo.InvariantCulture) : string.Empty;
            return string.Format(CultureInfo.InvariantCulture, "{0}{1} files, {2:0.0} MB, {3:0.0} files/s, {4:0.0} MB/s",
                FilesDone, of, mb, FilesDone / seconds, mb / seconds);
        }
    }
}
