using System;
using System.Globalization;

namespace DicomTools.SampleData
{
    /// <summary>Command-line options of the sample generator.</summary>
    public sealed class SampleOptions
    {
        public const string ExplicitVRLittleEndian = "1.2.840.10008.1.2.1";
        public const string ImplicitVRLittleEndian = "1.2.840.10008.1.2";
        public const string ExplicitVRBigEndian = "1.2.840.10008.1.2.2";
        public const string DeflatedExplicitVRLittleEndian = "1.2.840.10008.1.2.1.99";

        public const string Usage =
            "usage: DicomTools.SampleData --out DIR [--count N] [--rows R --cols C | --bytes-per-file B] [--frames F]\n" +
            "         [--transfer-syntax explicit-le|implicit-le|explicit-be|deflated|<uid>] [--seed S]\n" +
            "         [--character-set none|\"ISO_IR 100\"|\"ISO_IR 192\"] [--layout flat|series] [--per-series N]\n" +
            "         [--prefix IMG] [--no-preamble]\n" +
            "Writes N realistic 16-bit images (~90 top-level elements, nested sequences, unique UIDs) with the DicomTools codec.\n" +
            "--bytes-per-file picks a square image of about that size; --frames makes multi-frame files (2048 frames of\n" +
            "512x512 is 1 GiB). --layout series puts files in Study/Series folders.";

        public string OutputFolder { get; private set; } = string.Empty;
        public int Count { get; private set; } = 10;
        public int Rows { get; private set; } = 512;
        public int Columns { get; private set; } = 512;
        public int Frames { get; private set; } = 1;
        public string TransferSyntaxUid { get; private set; } = ExplicitVRLittleEndian;
        public int? Seed { get; private set; }
        /// <summary>Null: no (0008,0005), i.e. the default repertoire (ASCII).</summary>
        public string? CharacterSet { get; private set; }
        public bool SeriesLayout { get; private set; }
        public int PerSeries { get; private set; } = 50;
        public string Prefix { get; private set; } = "IMG";
        public bool NoPreamble { get; private set; }
        public bool ShowHelp { get; private set; }

        public long PixelBytesPerFrame => (long)Rows * Columns * 2;

        public static SampleOptions Parse(string[] args)
        {
            var o = new SampleOptions();
            long? bytesPerFile = null;
            bool rowsGiven = false, colsGiven = false;
            for (var i = 0; i < args.Length; i++)
            {
                var name = args[i];
                string Value()
                {
                    if (i + 1 >= args.Length) throw new ArgumentException($"{name} needs a value.");
                    return args[++i];
                }
                switch (name)
                {
                    case "--out": o.OutputFolder = Value(); break;
                    case "--count": o.Count = Int(name, Value(), 0, int.MaxValue); break;
                    case "--rows": o.Rows = Int(name, Value(), 1, 65535); rowsGiven = true; break;
                    case "--cols": case "--columns": o.Columns = Int(name, Value(), 1, 65535); colsGiven = true; break;
                    case "--frames": o.Frames = Int(name, Value(), 1, 100000); break;
                    case "--bytes-per-file": bytesPerFile = Int(name, Value(), 1024, int.MaxValue); break;
                    case "--transfer-syntax": o.TransferSyntaxUid = TransferSyntax(Value()); break;
                    case "--seed": o.Seed = Int(name, Value(), int.MinValue, int.MaxValue); break;
                    case "--character-set": var cs = Value(); o.CharacterSet = cs.Equals("none", StringComparison.OrdinalIgnoreCase) || cs.Length == 0 ? null : cs; break;
                    case "--layout":
                        var layout = Value();
                        if (layout != "flat" && layout != "series") throw new ArgumentException("--layout is flat or series.");
                        o.SeriesLayout = layout == "series";
                        break;
                    case "--per-series": o.PerSeries = Int(name, Value(), 1, 100000); break;
                    case "--prefix": o.Prefix = Value(); break;
                    case "--no-preamble": o.NoPreamble = true; break;
                    case "-h": case "--help": o.ShowHelp = true; break;
                    default: throw new ArgumentException($"unknown option '{name}'.");
                }
            }
            if (o.ShowHelp) return o;
            if (o.OutputFolder.Length == 0) throw new ArgumentException("--out is required.");
            if (bytesPerFile.HasValue && !rowsGiven && !colsGiven)
            {
                // Headers are a few KB; the rest is pixel data, 2 bytes a pixel.
                var side = (int)Math.Max(8, Math.Round(Math.Sqrt(Math.Max(0, bytesPerFile.Value - 4096) / 2.0 / o.Frames)));
                o.Rows = o.Columns = Math.Min(side, 65535);
            }
            var pixelBytes = o.PixelBytesPerFrame * o.Frames;
            if (pixelBytes >= uint.MaxValue - 1) throw new ArgumentException("Pixel data must stay under 4 GiB (the length field is 32-bit).");
            if (pixelBytes > SampleGenerator.InMemoryPixelLimit && o.TransferSyntaxUid != ExplicitVRLittleEndian && o.TransferSyntaxUid != ImplicitVRLittleEndian)
                throw new ArgumentException("Files with more than 256 MB of pixel data are written in explicit-le or implicit-le only.");
            return o;
        }

        private static string TransferSyntax(string value)
        {
            switch (value.ToLowerInvariant())
            {
                case "explicit-le": case "explicit": return ExplicitVRLittleEndian;
                case "implicit-le": case "implicit": return ImplicitVRLittleEndian;
                case "explicit-be": case "big-endian": return ExplicitVRBigEndian;
                case "deflated": return DeflatedExplicitVRLittleEndian;
            }
            if (value == ExplicitVRLittleEndian || value == ImplicitVRLittleEndian || value == ExplicitVRBigEndian || value == DeflatedExplicitVRLittleEndian)
                return value;
            throw new ArgumentException($"--transfer-syntax '{value}' is not one this generator writes (explicit-le, implicit-le, explicit-be, deflated): it writes native pixel data only.");
        }

        private static int Int(string name, string text, int min, int max)
        {
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
                throw new ArgumentException($"{name} '{text}' must be a whole number from {min} to {max}.");
            return value;
        }
    }
}
