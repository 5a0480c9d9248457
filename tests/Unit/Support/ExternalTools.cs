using System;
using System.IO;
using System.Linq;
using Xunit;

namespace DicomTools.Tests.Unit.Support
{
    /// <summary>Finds the real peers (dcmtk, dicom3tools, Orthanc) on PATH.</summary>
    public static class ExternalTools
    {
        /// <summary>In CI a missing peer is a failure, not a skip: CI must have installed it.</summary>
        public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

        public static string? Find(string name)
        {
            var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
            foreach (var dir in path.Split(Path.PathSeparator).Concat(new[] { "/usr/sbin", "/usr/bin" }))
            {
                if (dir.Length == 0) continue;
                var candidate = Path.Combine(dir, name);
                if (File.Exists(candidate)) return candidate;
            }
            return null;
        }

        /// <summary>The tool's full path; fails the test if it is missing (callers skip first when not in CI).</summary>
        public static string Require(string name) =>
            Find(name) ?? throw new InvalidOperationException($"'{name}' is not installed; .ci/run installs it (apt-get install dcmtk dicom3tools orthanc orthanc-dicomweb).");
    }

    /// <summary>A fact that needs an external tool: skipped where it is missing, except in CI where it fails.</summary>
    public sealed class RequiresToolFactAttribute : FactAttribute
    {
        public RequiresToolFactAttribute(params string[] tools)
        {
            var missing = tools.Where(t => ExternalTools.Find(t) == null).ToArray();
            if (missing.Length > 0 && !ExternalTools.InCi)
                Skip = "needs " + string.Join(", ", missing) + " (apt-get install dcmtk dicom3tools orthanc orthanc-dicomweb)";
        }
    }

    /// <summary>A theory that needs an external tool: skipped where it is missing, except in CI where it fails.</summary>
    public sealed class RequiresToolTheoryAttribute : TheoryAttribute
    {
        public RequiresToolTheoryAttribute(params string[] tools)
        {
            var missing = tools.Where(t => ExternalTools.Find(t) == null).ToArray();
            if (missing.Length > 0 && !ExternalTools.InCi)
                Skip = "needs " + string.Join(", ", missing) + " (apt-get install dcmtk dicom3tools orthanc orthanc-dicomweb)";
        }
    }
}
