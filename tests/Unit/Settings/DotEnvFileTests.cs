using System;
using System.Collections.Generic;
using System.IO;
using DicomTools.Engine.Settings;
using Xunit;

namespace DicomTools.Tests.Unit.Settings
{
    public class DotEnvFileTests
    {
        private static readonly Func<string, string?> NoEnvironment = _ => null;

        private static IReadOnlyDictionary<string, string> Parse(string text, Func<string, string?>? env = null) =>
            DotEnvFile.Parse(text, env ?? NoEnvironment).Values;

        [Theory]
        [InlineData("MD_URL=http://x/api", "http://x/api")]
        [InlineData("MD_URL = http://x/api  ", "http://x/api")]
        [InlineData("export MD_URL=http://x/api", "http://x/api")]
        [InlineData("MD_URL=http://x/api # the metadata API", "http://x/api")]
        [InlineData("MD_URL=a#b", "a#b")]
        [InlineData("MD_URL=\"quoted # not a comment\"", "quoted # not a comment")]
        [InlineData("MD_URL='single $ {literal} \\n'", "single $ {literal} \\n")]
        [InlineData("MD_URL='it\\'s'", "it's")]
        [InlineData("MD_URL=\"tab\\there\\nnew \\\"q\\\" back\\\\slash\"", "tab\there\nnew \"q\" back\\slash")]
        [InlineData("MD_URL=\"x\"   # comment after quotes", "x")]
        [InlineData("MD_URL=", "")]
        [InlineData("MD_URL=\"\"", "")]
        [InlineData("MD_URL=  spaced value  ", "spaced value")]
        public void ReadsValuesAsPythonDotenvDoes(string line, string expected)
        {
            var values = Parse(line + "\n");
            Assert.Equal(expected, values["MD_URL"]);
        }

        [Fact]
        public void SkipsCommentsBlankLinesAndBareKeys()
        {
            var values = Parse("# settings\n\n   \nBARE\nA=1\r\n  # indented comment\nB=2");
            Assert.Equal(2, values.Count);
            Assert.Equal("1", values["A"]);
            Assert.Equal("2", values["B"]);
            Assert.False(values.ContainsKey("BARE"));
        }

        [Fact]
        public void DoubleQuotedValuesMaySpanLines()
        {
            var values = Parse("CERT=\"line1\nline2\"\nNEXT=after\n");
            Assert.Equal("line1\nline2", values["CERT"]);
            Assert.Equal("after", values["NEXT"]);
        }

        [Fact]
        public void LaterKeysWinWithinTheFile() => Assert.Equal("2", Parse("A=1\nA=2\n")["A"]);

        [Fact]
        public void ExpandsVariablesFromEnvironmentFirstThenTheFile()
        {
            var env = new Dictionary<string, string> { ["HOST"] = "env-host" };
            var values = Parse("HOST=file-host\nPORT=8042\nMD_URL=http://${HOST}:${PORT}/md\nU_URL=\"${MISSING:-fallback}/u\"\nLIT='${HOST}'\n",
                name => env.TryGetValue(name, out var v) ? v : null);
            Assert.Equal("http://env-host:8042/md", values["MD_URL"]);
            Assert.Equal("fallback/u", values["U_URL"]);
            Assert.Equal("${HOST}", values["LIT"]);
        }

        [Fact]
        public void ReportsAndSkipsLinesItCannotParse()
        {
            var file = DotEnvFile.Parse("GOOD=1\nnot a binding\nBAD=\"unterminated\n", NoEnvironment);
            Assert.Equal("1", file.Values["GOOD"]);
            Assert.False(file.Values.ContainsKey("BAD"));
            Assert.Contains(file.Warnings, w => w.StartsWith("line 2:", StringComparison.Ordinal));
            Assert.Contains(file.Warnings, w => w.StartsWith("line 3:", StringComparison.Ordinal));
        }

        [Fact]
        public void LoadIgnoresAByteOrderMark()
        {
            var path = Path.Combine(Path.GetTempPath(), "dotenv-" + Guid.NewGuid().ToString("N") + ".env");
            try
            {
                File.WriteAllText(path, "MD_KEY=k1\n", new System.Text.UTF8Encoding(true));
                var file = DotEnvFile.Load(path, NoEnvironment);
                Assert.Equal("k1", file.Values["MD_KEY"]);
                Assert.Equal(Path.GetFullPath(path), file.Path);
            }
            finally { File.Delete(path); }
        }
    }
}
