using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using DicomTools.Dicom;
using DicomTools.Tests.Unit.Support;

namespace DicomTools.Tests.Unit.Dicom
{
    /// <summary>A temporary folder per test, removed afterwards.</summary>
    public sealed class TempFolder : IDisposable
    {
        public TempFolder()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dicomtools-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }
        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try
            {
                foreach (var d in Directory.GetDirectories(Path, "*", SearchOption.AllDirectories)) new DirectoryInfo(d).Attributes = FileAttributes.Normal;
                if (!OperatingSystem.IsWindows()) System.IO.File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                Directory.Delete(Path, true);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    internal static class DicomTestFiles
    {
        public const string SecondaryCapture = "1.2.840.10008.5.1.4.1.1.7";
        public const string ImplicitLE = "1.2.840.10008.1.2";
        public const string ExplicitLE = "1.2.840.10008.1.2.1";
        public const string ExplicitBE = "1.2.840.10008.1.2.2";
        public const string Deflated = "1.2.840.10008.1.2.1.99";
        public const string JpegBaseline = "1.2.840.10008.1.2.4.50";
        public const string Rle = "1.2.840.10008.1.2.5";

        public static readonly DicomTag PatientName = new DicomTag(0x0010, 0x0010);
        public static readonly DicomTag PatientId = new DicomTag(0x0010, 0x0020);
        public static readonly DicomTag InstitutionName = new DicomTag(0x0008, 0x0080);
        public static readonly DicomTag Species = new DicomTag(0x0010, 0x2201);
        public static readonly DicomTag Barcode = new DicomTag(0x2200, 0x0005);

        /// <summary>A small image dataset with nested sequences (defined or undefined length), a private block and native pixel data.</summary>
        public static DicomDatasetBuilder Image(bool undefinedSequences = true, string? charset = null, byte[]? pixels = null, int rows = 4, int columns = 4)
        {
            var inner = new DicomDatasetBuilder()
                .Add(new DicomTag(0x0008, 0x0100), "SH", "T-D0050")
                .Add(new DicomTag(0x0008, 0x0104), "LO", "Tissue");
            var item = new DicomDatasetBuilder()
                .Add(new DicomTag(0x0008, 0x1150), "UI", "1.2.840.10008.5.1.4.1.1.7")
                .Add(new DicomTag(0x0008, 0x1155), "UI", "1.2.3.4.5.6.7")
                .AddSequence(new DicomTag(0x0040, 0xA043), new[] { inner }, undefinedSequences);
            var b = new DicomDatasetBuilder();
            if (charset != null) b.Add(DicomTag.SpecificCharacterSet, "CS", charset);
            b.Add(new DicomTag(0x0008, 0x0016), "UI", SecondaryCapture)
             .Add(DicomTag.SopInstanceUid, "UI", "1.2.826.0.1.3680043.10.1234.99.1")
             .Add(new DicomTag(0x0008, 0x0020), "DA", "20240102")
             .Add(new DicomTag(0x0008, 0x0060), "CS", "OT")
             .Add(InstitutionName, "LO", "Old Clinic")
             .AddSequence(new DicomTag(0x0008, 0x1140), new[] { item, new DicomDatasetBuilder().Add(new DicomTag(0x0008, 0x1155), "UI", "1.2.3.4.5.6.8") }, undefinedSequences)
             .Add(PatientName, "PN", "Doe^Rex")
             .Add(PatientId, "LO", "OLD-001")
             .Add(new DicomTag(0x0010, 0x1010), "AS", "003Y")
             .Add(new DicomTag(0x0009, 0x0010), "LO", "ACME PRIVATE")
             .AddBinary(new DicomTag(0x0009, 0x1001), "OB", new byte[] { 1, 2, 3, 4, 5, 6 })
             .Add(new DicomTag(0x0020, 0x000D), "UI", "1.2.826.0.1.3680043.10.1234.99.2")
             .Add(new DicomTag(0x0020, 0x000E), "UI", "1.2.826.0.1.3680043.10.1234.99.3")
             .Add(new DicomTag(0x0028, 0x0002), "US", "1")
             .Add(new DicomTag(0x0028, 0x0004), "CS", "MONOCHROME2")
             .Add(new DicomTag(0x0028, 0x0010), "US", rows.ToString())
             .Add(new DicomTag(0x0028, 0x0011), "US", columns.ToString())
             .Add(new DicomTag(0x0028, 0x0100), "US", "16")
             .Add(new DicomTag(0x0028, 0x0101), "US", "16")
             .Add(new DicomTag(0x0028, 0x0102), "US", "15")
             .Add(new DicomTag(0x0028, 0x0103), "US", "0");
            pixels ??= Enumerable.Range(0, rows * columns * 2).Select(i => (byte)(i * 7)).ToArray();
            b.AddBinary(DicomTag.PixelData, "OW", pixels);
            return b;
        }

        public static string Write(TempFolder folder, string name, DicomDatasetBuilder b, string ts, bool part10 = true)
        {
            var path = folder.File(name);
            DicomFileWriter.Write(path, b, ts, new DicomWriteOptions { WritePart10Header = part10 });
            return path;
        }

        public static (int ExitCode, string Out, string Err) Run(string tool, params string[] args)
        {
            var psi = new ProcessStartInfo(ExternalTools.Require(tool))
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in args) psi.ArgumentList.Add(a);
            psi.Environment["DCMDICTPATH"] = "/usr/share/libdcmtk17/dicom.dic";
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEndAsync();
            var error = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(60_000)) { p.Kill(true); throw new TimeoutException(tool + " did not finish"); }
            return (p.ExitCode, output.Result, error.Result);
        }

        /// <summary>dcmdump output without the offset/position noise, one line per element, for diffs.</summary>
        public static List<string> Dump(string path, params string[] extra)
        {
            var args = new List<string> { "-q", "+L", "-M" };
            args.AddRange(extra);
            args.Add(path);
            var (code, output, err) = Run("dcmdump", args.ToArray());
            if (code != 0) throw new InvalidOperationException("dcmdump failed on " + path + ": " + err + output);
            if (err.Contains("E:", StringComparison.Ordinal) || err.Contains("W:", StringComparison.Ordinal)) throw new InvalidOperationException("dcmdump complained about " + path + ": " + err);
            return output.Split('\n')
                .Select(l => l.TrimEnd())
                .Where(l => l.Length > 0 && !l.StartsWith("#", StringComparison.Ordinal))
                .ToList();
        }

        /// <summary>A dump line without dcmdump's "# length, VM name" comment (transcoding changes lengths, not text).</summary>
        public static string WithoutLength(string line) => Regex.Replace(line, @"\s+#\s*[\du/l]+,.*$", string.Empty);

        /// <summary>Lines only in <paramref name="before"/> (prefixed "-") and only in <paramref name="after"/> ("+"), in order.</summary>
        public static List<string> DiffDumps(IReadOnlyList<string> before, IReadOnlyList<string> after)
        {
            // Longest common subsequence: dumps are small, quadratic is fine.
            var n = before.Count; var m = after.Count;
            var lcs = new int[n + 1, m + 1];
            for (var i = n - 1; i >= 0; i--)
                for (var j = m - 1; j >= 0; j--)
                    lcs[i, j] = before[i] == after[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            var diff = new List<string>();
            int a = 0, c = 0;
            while (a < n && c < m)
            {
                if (before[a] == after[c]) { a++; c++; }
                else if (lcs[a + 1, c] >= lcs[a, c + 1]) diff.Add("-" + before[a++]);
                else diff.Add("+" + after[c++]);
            }
            while (a < n) diff.Add("-" + before[a++]);
            while (c < m) diff.Add("+" + after[c++]);
            return diff;
        }

        /// <summary>The tags named in diff lines, e.g. "(0010,0010)".</summary>
        public static HashSet<string> TagsIn(IEnumerable<string> diff) =>
            new HashSet<string>(diff.Select(l => Regex.Match(l, @"\([0-9a-fA-F]{4},[0-9a-fA-F]{4}\)").Value.ToUpperInvariant()));

        public static string DumpToFile(TempFolder folder, string name, string dumpText, params string[] extra) =>
            DumpToFile(folder, name, new UTF8Encoding(false).GetBytes(dumpText), extra);

        /// <summary>dump2dcm from dump bytes (raw, so ISO 2022 escape sequences pass through).</summary>
        public static string DumpToFile(TempFolder folder, string name, byte[] dumpBytes, params string[] extra)
        {
            var dumpPath = folder.File(name + ".txt");
            System.IO.File.WriteAllBytes(dumpPath, dumpBytes);
            var path = folder.File(name);
            var args = new List<string>(extra) { dumpPath, path };
            var (code, output, err) = Run("dump2dcm", args.ToArray());
            if (code != 0) throw new InvalidOperationException("dump2dcm failed: " + err + output);
            return path;
        }
    }
}
