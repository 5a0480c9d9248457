using System;
using System.Globalization;
using System.Linq;
using System.Net.Http;

namespace DicomTools.Engine.Http
{
    /// <summary>The Retry-After header (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.</summary>
    public static class RetryAfter
    {
        /// <summary>
        /// The wait the header asks for, cut to <paramref name="cap"/>; null when it is absent or unreadable
        /// (then the caller's own backoff applies). A date in the past means "now" (zero).
        /// </summary>
        public static TimeSpan? Parse(string? value, DateTimeOffset now, TimeSpan cap)
        {
            if (string.IsNullOrWhiteSpace(value)) return null;
            var text = value!.Trim();
            TimeSpan wait;
            if (text.All(char.IsDigit))
            {
                // Digits only: seconds. Anything too long for a long is longer than any cap.
                wait = long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= (long)TimeSpan.MaxValue.TotalSeconds
                    ? TimeSpan.FromSeconds(seconds)
                    : TimeSpan.MaxValue;
            }
            else if (DateTimeOffset.TryParseExact(text, HttpDateFormats, CultureInfo.InvariantCulture,
                         DateTimeStyles.AllowWhiteSpaces | DateTimeStyles.AssumeUniversal, out var date))
            {
                wait = date - now;
                if (wait < TimeSpan.Zero) wait = TimeSpan.Zero;
            }
            else
            {
                return null;
            }
            return wait > cap ? cap : wait;
        }

        /// <summary>From a response: the raw header value, so that both forms and garbage go through <see cref="Parse"/>.</summary>
        public static TimeSpan? FromResponse(HttpResponseMessage response, DateTimeOffset now, TimeSpan cap)
        {
            if (response == null) throw new ArgumentNullException(nameof(response));
            return response.Headers.TryGetValues("Retry-After", out var values) ? Parse(values.FirstOrDefault(), now, cap) : null;
        }

        // IMF-fixdate, and the obsolete RFC 850 and asctime forms a recipient must accept.
        private static readonly string[] HttpDateFormats =
        {
            "r",
            "ddd, dd MMM yyyy HH:mm:ss 'GMT'",
            "dddd, dd-MMM-yy HH:mm:ss 'GMT'",
            "ddd MMM d HH:mm:ss yyyy",
            "ddd MMM dd HH:mm:ss yyyy",
        };
    }
}
