using System;
using DicomTools.Engine.Tagging;
using Xunit;

namespace DicomTools.Tests.Unit.Tagging
{
    public class ProgressMeterTests
    {
        [Fact]
        public void StaysQuietAtFirstThenReportsAtMostOncePerInterval()
        {
            var meter = new ProgressMeter(firstAfter: TimeSpan.FromMilliseconds(80), interval: TimeSpan.FromMilliseconds(80));
            Assert.False(meter.TryReport());
            System.Threading.Thread.Sleep(100);
            Assert.True(meter.TryReport());
            Assert.False(meter.TryReport());
            System.Threading.Thread.Sleep(100);
            Assert.True(meter.TryReport());
        }

        [Fact]
        public void DescribesFilesBytesAndRates()
        {
            var meter = new ProgressMeter { FilesQueued = 4 };
            meter.Done(1048576);
            meter.Done(1048576);
            Assert.Equal(50, meter.Percent(totalKnown: true));
            Assert.Equal(-1, meter.Percent(totalKnown: false));
            Assert.StartsWith("2 of 4 files, 2.0 MB, ", meter.Describe(totalKnown: true));
            Assert.StartsWith("2 files, 2.0 MB, ", meter.Describe(totalKnown: false));
        }
    }
}
