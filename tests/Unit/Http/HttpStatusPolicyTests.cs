using System;
using System.IO;
using System.Net.Http;
using System.Net.Sockets;
using DicomTools.Engine.Http;
using Polly.Timeout;
using Xunit;

namespace DicomTools.Tests.Unit.Http
{
    public class HttpStatusPolicyTests
    {
        [Theory]
        [InlineData(408)]
        [InlineData(429)]
        [InlineData(500)]
        [InlineData(502)]
        [InlineData(503)]
        [InlineData(504)]
        public void RetriesStatusesThatMayClearUp(int status) => Assert.True(HttpStatusPolicy.IsRetryable(status));

        [Theory]
        [InlineData(200)]
        [InlineData(301)]
        [InlineData(400)]
        [InlineData(401)]
        [InlineData(403)]
        [InlineData(404)]
        [InlineData(407)]
        [InlineData(409)]
        [InlineData(413)]
        [InlineData(415)]
        [InlineData(422)]
        [InlineData(501)]
        public void NeverRetriesWhatWaitingCannotCure(int status) => Assert.False(HttpStatusPolicy.IsRetryable(status));

        [Theory]
        [InlineData(400, FailureKind.BadRequest)]
        [InlineData(401, FailureKind.Unauthorized)]
        [InlineData(403, FailureKind.Forbidden)]
        [InlineData(404, FailureKind.NotFound)]
        [InlineData(407, FailureKind.Unauthorized)]
        [InlineData(408, FailureKind.Timeout)]
        [InlineData(409, FailureKind.Conflict)]
        [InlineData(413, FailureKind.PayloadTooLarge)]
        [InlineData(415, FailureKind.UnsupportedMediaType)]
        [InlineData(422, FailureKind.BadRequest)]
        [InlineData(429, FailureKind.ServerError)]
        [InlineData(503, FailureKind.ServerError)]
        [InlineData(302, FailureKind.InvalidResponse)]
        public void MapsStatusToKind(int status, FailureKind kind) => Assert.Equal(kind, HttpStatusPolicy.KindOf(status));

        public static TheoryData<Exception, bool, FailureKind> Exceptions => new TheoryData<Exception, bool, FailureKind>
        {
            { new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused)), true, FailureKind.ConnectionFailed },
            { new IOException("reset"), true, FailureKind.ConnectionFailed },
            { new SocketException((int)SocketError.ConnectionReset), true, FailureKind.ConnectionFailed },
            { new TimeoutRejectedException(), true, FailureKind.Timeout },
            { new InvalidOperationException("a bug"), false, FailureKind.InvalidResponse },
        };

        [Theory]
        [MemberData(nameof(Exceptions))]
        public void RetriesConnectionFailuresAndTimeoutsOnly(Exception exception, bool retryable, FailureKind kind)
        {
            Assert.Equal(retryable, HttpStatusPolicy.IsRetryable(exception, callerCancelled: false));
            Assert.Equal(kind, HttpStatusPolicy.KindOf(exception, callerCancelled: false));
        }

        [Fact]
        public void NothingIsRetriedOnceTheCallerCancelled()
        {
            Assert.False(HttpStatusPolicy.IsRetryable(new OperationCanceledException(), callerCancelled: true));
            Assert.False(HttpStatusPolicy.IsRetryable(new HttpRequestException("x"), callerCancelled: true));
            Assert.Equal(FailureKind.Cancelled, HttpStatusPolicy.KindOf(new OperationCanceledException(), callerCancelled: true));
        }
    }

    public class RetryAfterTests
    {
        private static readonly DateTimeOffset Now = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        private static readonly TimeSpan Cap = TimeSpan.FromSeconds(60);

        [Theory]
        [InlineData("0", 0)]
        [InlineData("1", 1)]
        [InlineData(" 17 ", 17)]
        [InlineData("120", 60)]
        [InlineData("99999999999999999999999", 60)]
        public void ReadsDelaySecondsCappedAtTheCap(string header, int expectedSeconds) =>
            Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), RetryAfter.Parse(header, Now, Cap));

        [Theory]
        [InlineData("Fri, 27 Nov 2026 12:00:30 GMT", 30)]
        [InlineData("Friday, 27-Nov-26 12:00:05 GMT", 5)]
        [InlineData("Fri Nov 27 12:00:10 2026", 10)]
        [InlineData("Fri, 27 Nov 2026 11:59:00 GMT", 0)]
        [InlineData("Fri, 27 Nov 2026 13:00:00 GMT", 60)]
        public void ReadsHttpDatesRelativeToNow(string header, int expectedSeconds) =>
            Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), RetryAfter.Parse(header, Now, Cap));

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("   ")]
        [InlineData("-5")]
        [InlineData("1.5")]
        [InlineData("soon")]
        [InlineData("27/11/2026 12:00")]
        public void IgnoresWhatItCannotRead(string? header) => Assert.Null(RetryAfter.Parse(header, Now, Cap));

        [Fact]
        public void ASmallerCapWins() => Assert.Equal(TimeSpan.FromSeconds(2), RetryAfter.Parse("30", Now, TimeSpan.FromSeconds(2)));
    }

    public class BackoffTests
    {
        [Fact]
        public void DoublesFromTheIntervalWithoutJitterAtTheMidpoint()
        {
            var options = new HttpRetryOptions { RetryInterval = TimeSpan.FromSeconds(3) };
            Assert.Equal(TimeSpan.FromSeconds(3), options.BackoffDelay(0, 0.5));
            Assert.Equal(TimeSpan.FromSeconds(6), options.BackoffDelay(1, 0.5));
            Assert.Equal(TimeSpan.FromSeconds(12), options.BackoffDelay(2, 0.5));
        }

        [Fact]
        public void JitterStaysWithinItsFraction()
        {
            var options = new HttpRetryOptions { RetryInterval = TimeSpan.FromSeconds(10), JitterFraction = 0.2 };
            Assert.Equal(TimeSpan.FromSeconds(8), options.BackoffDelay(0, 0.0));
            Assert.True(options.BackoffDelay(0, 0.999999) < TimeSpan.FromSeconds(12));
            Assert.True(options.BackoffDelay(0, 0.999999) > TimeSpan.FromSeconds(11.99));
        }

        [Fact]
        public void NeverOverflowsOnManyRetries() =>
            Assert.Equal(TimeSpan.FromHours(24), new HttpRetryOptions { RetryInterval = TimeSpan.FromHours(1) }.BackoffDelay(100, 0.5));

        [Theory]
        [InlineData(-1, 3.0, 10.0)]
        [InlineData(2, -1.0, 10.0)]
        [InlineData(2, 3.0, 0.001)]
        public void RejectsUnusableOptions(int retries, double intervalSec, double timeoutSec)
        {
            var options = new HttpRetryOptions
            {
                MaximumRetryCount = retries,
                RetryInterval = TimeSpan.FromSeconds(intervalSec),
                AttemptTimeout = TimeSpan.FromSeconds(timeoutSec),
            };
            Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        }
    }
}
