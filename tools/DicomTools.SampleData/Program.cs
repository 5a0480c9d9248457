using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;

namespace DicomTools.SampleData
{
    /// <summary>
    /// dotnet DicomTools.SampleData.dll --out DIR [--count N] [--rows R --cols C | --bytes-per-file B] [--frames F]
    ///   [--transfer-syntax explicit-le|implicit-le|explicit-be|deflated|&lt;uid&gt;] [--seed S] [--character-set none|"ISO_IR 100"|"ISO_IR 192"]
    ///   [--layout flat|series] [--per-series N] [--prefix IMG] [--no-preamble]
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            SampleOptions options;
            try
            {
                options = SampleOptions.Parse(args);
            }
            catch (ArgumentException ex)
            {
                Console.Error.WriteLine("DicomTools.SampleData: " + ex.Message);
                Console.Error.WriteLine(SampleOptions.Usage);
                return 2;
            }
            if (options.ShowHelp)
            {
                Console.WriteLine(SampleOptions.Usage);
                return 0;
            }

            var clock = Stopwatch.StartNew();
            var generator = new SampleGenerator(options);
            long bytes = 0;
            for (var i = 0; i < options.Count; i++)
            {
                var path = generator.WriteFile(i);
                bytes += new FileInfo(path).Length;
            }
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
                "Wrote {0} file(s), {1:0.0} MB, to {2} in {3:0.0} s ({4}, {5}x{6}x{7} frame(s), 16-bit).",
                options.Count, bytes / 1048576.0, Path.GetFullPath(options.OutputFolder), clock.Elapsed.TotalSeconds,
                options.TransferSyntaxUid, options.Rows, options.Columns, options.Frames));
            return 0;
        }
    }
}
