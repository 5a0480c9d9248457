using System.IO;
using DicomTools.Engine.Tagging;
using Xunit;

namespace DicomTools.Tests.Unit.Tagging
{
    public class DestinationLayoutTests
    {
        [Theory]
        [InlineData("/data/in/*/*.dcm", "/data/in")]
        [InlineData("/data/in/a.dcm", "/data/in")]
        [InlineData("*.dcm", "")]
        [InlineData("sub/IMG[0-9].dcm", "sub")]
        [InlineData("/x.dcm", "/")]
        public void ThePatternBaseIsTheFolderBeforeTheFirstWildcard(string pattern, string expected) =>
            Assert.Equal(expected, DestinationLayout.GetPatternBase(pattern));

        [Fact]
        public void KeepsTheLayoutBelowTheBaseFolder()
        {
            var root = Path.Combine(Path.GetTempPath(), "dt-layout");
            var layout = new DestinationLayout(Path.Combine(root, "out"));
            Assert.True(layout.TryGetDestination(Path.Combine(root, "in", "s1", "a.dcm"), Path.Combine(root, "in"), out var destination, out var refusal));
            Assert.Null(refusal);
            Assert.Equal(Path.Combine(root, "out", "s1", "a.dcm"), destination);
        }

        [Fact]
        public void RefusesAFileOutsideTheBaseFolderSayingWhy()
        {
            var root = Path.Combine(Path.GetTempPath(), "dt-layout");
            var layout = new DestinationLayout(Path.Combine(root, "out"));
            Assert.False(layout.TryGetDestination(Path.Combine(root, "elsewhere", "a.dcm"), Path.Combine(root, "in"), out _, out var refusal));
            Assert.Equal(DestinationProblem.OutsideBaseFolder, refusal!.Problem);
            Assert.Contains("is not under", refusal.Message);
            Assert.DoesNotContain("-RelativeTo", refusal.Message);
            // "in2" starts with "in" but is not inside it.
            Assert.False(layout.TryGetDestination(Path.Combine(root, "in2", "a.dcm"), Path.Combine(root, "in"), out _, out _));
        }

        [Fact]
        public void RefusesADestinationThatIsTheSourceItself()
        {
            var root = Path.Combine(Path.GetTempPath(), "dt-layout", "in");
            var layout = new DestinationLayout(root);
            Assert.False(layout.TryGetDestination(Path.Combine(root, "a.dcm"), root, out _, out var refusal));
            Assert.Equal(DestinationProblem.OntoItself, refusal!.Problem);
            Assert.Contains("onto itself", refusal.Message);
        }
    }
}
