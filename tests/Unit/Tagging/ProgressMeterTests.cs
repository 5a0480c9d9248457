using System;
using DicomTools.Engine.Tagging;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace DicomTools.Tests.Unit.Tagging
{
    public class ProgressMeterTests
    {
        [Fact]
        public void StaysQuietAtFirstThenReportsAtMostOncePerInterval()
        {
            var time = new FakeTimeProvider();
            var meter = new ProgressMeter(TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(250), time);

            Assert.False(meter.TryReport());
            time.Advance(TimeSpan.FromMilliseconds(499));
            Assert.False(meter.TryReport());
            time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.True(meter.TryReport());
            Assert.False(meter.TryReport());
            time.Advance(TimeSpan.FromMilliseconds(249));
            Assert.False(meter.TryReport());
            time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.True(meter.TryReport());
            Assert.Equal(TimeSpan.FromMilliseconds(750), meter.Elapsed);
        }

        [Fact]
        public void DescribesFilesBytesAndRates()
        {
            var time = new FakeTimeProvider();
            var meter = new ProgressMeter(null, null, time) { FilesQueued = 4 };
            meter.Done(1048576);
            meter.Done(1048576);
            time.Advance(TimeSpan.FromSeconds(2));
            Assert.Equal(50, meter.Percent(totalKnown: true));
            Assert.Equal(-1, meter.Percent(totalKnown: false));
            Assert.Equal("2 of 4 files, 2.0 MB, 1.0 files/s, 1.0 MB/s", meter.Describe(totalKnown: true));
            Assert.Equal("2 files, 2.0 MB, 1.0 files/s, 1.0 MB/s", meter.Describe(totalKnown: false));
        }
    }
}
