using System;

namespace DicomTools.Engine.Http
{
    /// <summary>How hard one call tries: -MaximumRetryCount, -RetryIntervalSec, -TimeoutSec.</summary>
    public sealed class HttpRetryOptions
    {
        public const int DefaultMaximumRetryCount = 2;
        public static readonly TimeSpan DefaultRetryInterval = TimeSpan.FromSeconds(3);
        public static readonly TimeSpan DefaultAttemptTimeout = TimeSpan.FromSeconds(100);
        public static readonly TimeSpan DefaultRetryAfterCap = TimeSpan.FromSeconds(60);

        /// <summary>Retries after the first attempt (0 = one attempt only).</summary>
        public int MaximumRetryCount { get; set; } = DefaultMaximumRetryCount;

        /// <summary>The first delay; each later one doubles it (with jitter).</summary>
        public TimeSpan RetryInterval { get; set; } = DefaultRetryInterval;

        /// <summary>Time allowed to one attempt, from sending to the whole answer read. <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> or zero = none.</summary>
        public TimeSpan AttemptTimeout { get; set; } = DefaultAttemptTimeout;

        /// <summary>The longest wait a server's Retry-After can impose; longer values are cut to this.</summary>
        public TimeSpan RetryAfterCap { get; set; } = DefaultRetryAfterCap;

        /// <summary>± this fraction of random spread on each backoff delay, so that many clients do not retry in step.</summary>
        public double JitterFraction { get; set; } = 0.2;

        public int MaximumAttempts => MaximumRetryCount + 1;

        public bool HasAttemptTimeout => AttemptTimeout > TimeSpan.Zero && AttemptTimeout != System.Threading.Timeout.InfiniteTimeSpan;

        public void Validate()
        {
            if (MaximumRetryCount < 0 || MaximumRetryCount > 100) throw new ArgumentOutOfRangeException(nameof(MaximumRetryCount), MaximumRetryCount, "MaximumRetryCount must be between 0 and 100.");
            if (RetryInterval < TimeSpan.Zero || RetryInterval > TimeSpan.FromHours(1)) throw new ArgumentOutOfRangeException(nameof(RetryInterval), RetryInterval, "RetryInterval must be between 0 and 1 hour.");
            if (HasAttemptTimeout && (AttemptTimeout < TimeSpan.FromMilliseconds(10) || AttemptTimeout > TimeSpan.FromHours(24)))
                throw new ArgumentOutOfRangeException(nameof(AttemptTimeout), AttemptTimeout, "AttemptTimeout must be between 10 ms and 24 hours, or zero for none.");
            if (RetryAfterCap < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(RetryAfterCap), RetryAfterCap, "RetryAfterCap cannot be negative.");
            if (JitterFraction < 0 || JitterFraction >= 1) throw new ArgumentOutOfRangeException(nameof(JitterFraction), JitterFraction, "JitterFraction must be in [0, 1).");
        }

        /// <summary>
        /// The wait before retry number <paramref name="retryIndex"/> (0 for the first retry): the interval doubled
        /// per retry, spread by ±<see cref="JitterFraction"/> using <paramref name="unitRandom"/> in [0, 1).
        /// </summary>
        public TimeSpan BackoffDelay(int retryIndex, double unitRandom)
        {
            var doubling = Math.Pow(2, Math.Min(Math.Max(retryIndex, 0), 30));
            var spread = 1 + JitterFraction * (2 * unitRandom - 1);
            var ticks = RetryInterval.Ticks * doubling * spread;
            return TimeSpan.FromTicks((long)Math.Min(ticks, TimeSpan.FromHours(24).Ticks));
        }
    }
}
