using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace DicomTools.Tests.Unit.Architecture
{
    /// <summary>
    /// The Engine and the codec say what is wrong; the cmdlets say what to do in their own parameters. A message in
    /// the Engine that names "-Force" or "-Destination" is wrong for every other caller (another cmdlet, a C# user),
    /// and goes stale when a parameter is renamed: this guards the rule on the source itself.
    /// </summary>
    public class EngineWordingTests
    {
        private static readonly Regex ParameterProperty = new Regex(
            @"\[Parameter\b[^\]]*\]\s*(?:\[[^\]]*\]\s*)*public\s+[\w<>\[\]\?\.,\s]+?\s+(\w+)\s*\{", RegexOptions.Compiled);
        private static readonly Regex StringLiteral = new Regex(@"\$?@?""(?:[^""\\]|\\.|"""")*""", RegexOptions.Compiled);

        [Fact]
        public void NoEngineOrCodecMessageNamesACmdletParameter()
        {
            var root = RepositoryRoot();
            var parameters = Directory.EnumerateFiles(Path.Combine(root, "src", "DicomTools.Cmdlets"), "*.cs", SearchOption.AllDirectories)
                .SelectMany(f => ParameterProperty.Matches(File.ReadAllText(f)).Cast<Match>().Select(m => m.Groups[1].Value))
                .ToHashSet(StringComparer.OrdinalIgnoreCase);
            Assert.Contains("Destination", parameters);   // the scan itself works
            Assert.Contains("TimeoutSec", parameters);

            var offenders = new List<string>();
            foreach (var project in new[] { "DicomTools.Engine", "DicomTools.Dicom" })
            {
                foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "src", project), "*.cs", SearchOption.AllDirectories))
                {
                    if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        || file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
                    var lineNumber = 0;
                    foreach (var line in File.ReadLines(file))
                    {
                        lineNumber++;
                        var code = line.TrimStart();
                        // Comments, and analyzer suppressions whose justification is for reviewers, are not messages.
                        if (code.StartsWith("//", StringComparison.Ordinal) || code.Contains("SuppressMessage(", StringComparison.Ordinal)) continue;
                        foreach (Match literal in StringLiteral.Matches(line))
                        {
                            foreach (Match named in Regex.Matches(literal.Value, @"(?<![\w-])-([A-Z][A-Za-z]+)\b"))
                            {
                                if (parameters.Contains(named.Groups[1].Value))
                                    offenders.Add($"{Path.GetRelativePath(root, file)}:{lineNumber}: {literal.Value}");
                            }
                        }
                    }
                }
            }
            Assert.True(offenders.Count == 0, "Engine/codec messages naming cmdlet parameters:\n" + string.Join("\n", offenders));
        }

        private static string RepositoryRoot()
        {
            for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder != null; folder = folder.Parent)
                if (File.Exists(Path.Combine(folder.FullName, "DicomTools.sln"))) return folder.FullName;
            throw new InvalidOperationException("DicomTools.sln not found above " + AppContext.BaseDirectory);
        }
    }
}
