using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Numerics;
using DicomTools.Dicom;

namespace DicomTools.SampleData
{
    /// <summary>
    /// Writes a veterinary sample's images as a modality would: one patient and study, series of CT slices (or
    /// multi-frame secondary captures), ~90 top-level elements with nested code sequences, a private block, and
    /// 16-bit pixel data that differs from file to file.
    /// </summary>
    public sealed class SampleGenerator
    {
        /// <summary>Above this, pixel data is streamed to the writer instead of built in memory.</summary>
        public const long InMemoryPixelLimit = 256L * 1024 * 1024;

        private const string CtImageStorage = "1.2.840.10008.5.1.4.1.1.2";
        private const string MultiFrameGrayscaleWordSecondaryCapture = "1.2.840.10008.5.1.4.1.1.7.3";

        private readonly SampleOptions _options;
        private readonly Random _random;
        private readonly string _studyUid;
        private readonly string _frameOfReferenceUid;
        private readonly Dictionary<int, string> _seriesUids = new Dictionary<int, string>();
        private readonly ushort[] _baseFrame;
        private readonly DateTime _studyTime;
        private readonly int _studyNumber;

        public SampleGenerator(SampleOptions options)
        {
            _options = options;
            _random = options.Seed.HasValue ? new Random(options.Seed.Value) : new Random();
            _studyUid = NewUid();
            _frameOfReferenceUid = NewUid();
            _studyNumber = _random.Next(10000, 99999);
            _studyTime = new DateTime(2026, 11, 2, 9, 14, 0).AddMinutes(_random.Next(0, 600));
            _baseFrame = Phantom(options.Rows, options.Columns);
        }

        /// <summary>Writes file number <paramref name="index"/> (0-based) and returns its path.</summary>
        public string WriteFile(int index)
        {
            var series = index / _options.PerSeries;
            var folder = _options.SeriesLayout
                ? Path.Combine(_options.OutputFolder, "Study1", "Series" + (series + 1).ToString("000", CultureInfo.InvariantCulture))
                : _options.OutputFolder;
            Directory.CreateDirectory(folder);
            var path = Path.Combine(folder, _options.Prefix + (index + 1).ToString("00000", CultureInfo.InvariantCulture) + ".dcm");

            var pixelBytes = _options.PixelBytesPerFrame * _options.Frames;
            var dataset = Header(index, series);
            if (pixelBytes > InMemoryPixelLimit)
            {
                // Too big to build in memory (1 GiB benchmark files): the writer copies it from a stream that
                // makes the frames as it is read.
                dataset.AddBinary(DicomTag.PixelData, "OW", () => new FrameStream(this, index), pixelBytes);
            }
            else
            {
                var pixels = new byte[pixelBytes];
                for (var frame = 0; frame < _options.Frames; frame++)
                    FillFrame(pixels.AsSpan((int)(frame * _options.PixelBytesPerFrame), (int)_options.PixelBytesPerFrame), index, frame);
                dataset.AddBinary(DicomTag.PixelData, "OW", pixels);
            }
            var writeOptions = new DicomWriteOptions { WritePart10Header = !_options.NoPreamble };
            DicomFileWriter.Write(path, dataset, _options.TransferSyntaxUid, writeOptions);
            return path;
        }

        /// <summary>Pixel data of one file, frame after frame, made as it is read.</summary>
        private sealed class FrameStream : Stream
        {
            private readonly SampleGenerator _owner;
            private readonly int _index;
            private readonly byte[] _frame;
            private readonly long _length;
            private long _position;
            private int _frameInBuffer = -1;

            public FrameStream(SampleGenerator owner, int index)
            {
                _owner = owner;
                _index = index;
                _frame = new byte[owner._options.PixelBytesPerFrame];
                _length = owner._options.PixelBytesPerFrame * owner._options.Frames;
            }

            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => _length;
            public override long Position { get => _position; set => throw new NotSupportedException(); }

            public override int Read(byte[] buffer, int offset, int count)
            {
                if (_position >= _length) return 0;
                var frame = (int)(_position / _frame.Length);
                if (frame != _frameInBuffer)
                {
                    _owner.FillFrame(_frame, _index, frame);
                    _frameInBuffer = frame;
                }
                var inFrame = (int)(_position % _frame.Length);
                var n = Math.Min(count, _frame.Length - inFrame);
                Buffer.BlockCopy(_frame, inFrame, buffer, offset, n);
                _position += n;
                return n;
            }

            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }

        private DicomDatasetBuilder Header(int index, int series)
        {
            var o = _options;
            var multiFrame = o.Frames > 1;
            var instanceInSeries = index % o.PerSeries + 1;
            var created = _studyTime.AddSeconds(series * 300 + instanceInSeries);
            var sliceLocation = (-instanceInSeries * 1.25).ToString("0.00", CultureInfo.InvariantCulture);
            var seriesUid = SeriesUid(series);
            var d = new DicomDatasetBuilder();
            void Text(ushort g, ushort e, string vr, string value) => d.Add(new DicomTag(g, e), vr, value);

            if (o.CharacterSet != null) Text(0x0008, 0x0005, "CS", o.CharacterSet);
            Text(0x0008, 0x0008, "CS", multiFrame ? @"DERIVED\SECONDARY" : @"ORIGINAL\PRIMARY\AXIAL");
            Text(0x0008, 0x0012, "DA", Date(created));
            Text(0x0008, 0x0013, "TM", Time(created));
            Text(0x0008, 0x0016, "UI", multiFrame ? MultiFrameGrayscaleWordSecondaryCapture : CtImageStorage);
            Text(0x0008, 0x0018, "UI", NewUid());
            Text(0x0008, 0x0020, "DA", Date(_studyTime));
            Text(0x0008, 0x0021, "DA", Date(created));
            Text(0x0008, 0x0022, "DA", Date(created));
            Text(0x0008, 0x0023, "DA", Date(created));
            Text(0x0008, 0x0030, "TM", Time(_studyTime));
            Text(0x0008, 0x0031, "TM", Time(created));
            Text(0x0008, 0x0032, "TM", Time(created));
            Text(0x0008, 0x0033, "TM", Time(created));
            Text(0x0008, 0x0050, "SH", "ACC" + (_studyNumber * 131).ToString("00000000", CultureInfo.InvariantCulture));
            Text(0x0008, 0x0060, "CS", multiFrame ? "OT" : "CT");
            if (multiFrame) Text(0x0008, 0x0064, "CS", "WSD");
            Text(0x0008, 0x0070, "LO", "DicomTools Imaging");
            Text(0x0008, 0x0080, "LO", "Northside Animal Hospital");
            Text(0x0008, 0x0081, "ST", "12 Harbour Road, Springfield");
            Text(0x0008, 0x0090, "PN", "Hart^Olivia^^Dr.");
            Text(0x0008, 0x1010, "SH", "VETCT01");
            Text(0x0008, 0x1030, "LO", "CT Thorax and Abdomen");
            d.AddSequence(new DicomTag(0x0008, 0x1032), new[] { Code("VCT-TA", "99VET", "CT thorax and abdomen") });
            Text(0x0008, 0x103E, "LO", "Thorax " + (series + 1).ToString(CultureInfo.InvariantCulture) + " 1.25mm");
            Text(0x0008, 0x1040, "LO", "Diagnostic Imaging");
            Text(0x0008, 0x1050, "PN", "Nguyen^Ana");
            Text(0x0008, 0x1070, "PN", "Berg^Tomas");
            Text(0x0008, 0x1090, "LO", "VetScan 64");
            d.AddSequence(new DicomTag(0x0008, 0x1111), new[] { Reference("1.2.840.10008.3.1.2.3.3", _studyUid + ".9") }, undefinedLength: true);
            d.AddSequence(new DicomTag(0x0008, 0x1140), new[] { Reference(CtImageStorage, seriesUid + ".0"), Reference(CtImageStorage, seriesUid + ".1") });
            d.AddSequence(new DicomTag(0x0008, 0x2218), new[] { Code("T-D3000", "SRT", "Chest") });
            // A private block, as most modalities write one: creator, then two elements in its range.
            Text(0x0009, 0x0010, "LO", "DICOMTOOLS SAMPLE");
            Text(0x0009, 0x1001, "LO", "sample-generator");
            Text(0x0009, 0x1002, "LO", index.ToString(CultureInfo.InvariantCulture));
            Text(0x0010, 0x0010, "PN", "Rex^Garcia");
            Text(0x0010, 0x0020, "LO", "P-" + _studyNumber.ToString("00000", CultureInfo.InvariantCulture));
            Text(0x0010, 0x0030, "DA", "20190412");
            Text(0x0010, 0x0040, "CS", "M");
            Text(0x0010, 0x1010, "AS", "007Y");
            Text(0x0010, 0x1030, "DS", "31.5");
            Text(0x0010, 0x2201, "LO", "Canine");
            d.AddSequence(new DicomTag(0x0010, 0x2202), new[] { Code("L-80700", "SRT", "Canine species") });
            Text(0x0010, 0x2203, "CS", "ALTERED");
            Text(0x0010, 0x2292, "LO", "Labrador Retriever");
            d.AddSequence(new DicomTag(0x0010, 0x2293), new[] { Code("L-80A1E", "SRT", "Labrador retriever dog breed") });
            Text(0x0010, 0x2297, "PN", "Garcia^Maria");
            Text(0x0010, 0x2298, "CS", "OWNER");
            Text(0x0010, 0x4000, "LT", "Coughing for two weeks; rule out mass.");
            Text(0x0018, 0x0015, "CS", "CHEST");
            Text(0x0018, 0x0050, "DS", "1.25");
            Text(0x0018, 0x0060, "DS", "120");
            Text(0x0018, 0x0088, "DS", "1.25");
            Text(0x0018, 0x0090, "DS", "500");
            Text(0x0018, 0x1000, "LO", "SN" + (7310 + series).ToString(CultureInfo.InvariantCulture));
            Text(0x0018, 0x1020, "LO", "VS64 4.2.1");
            Text(0x0018, 0x1030, "LO", "Canine thorax routine");
            if (multiFrame) Text(0x0018, 0x1063, "DS", "40");
            Text(0x0018, 0x1100, "DS", "320");
            Text(0x0018, 0x1110, "DS", "949");
            Text(0x0018, 0x1111, "DS", "541");
            Text(0x0018, 0x1120, "DS", "0");
            Text(0x0018, 0x1130, "DS", "142.5");
            Text(0x0018, 0x1140, "CS", "CW");
            Text(0x0018, 0x1150, "IS", "750");
            Text(0x0018, 0x1151, "IS", "180");
            Text(0x0018, 0x1152, "IS", "135");
            Text(0x0018, 0x1160, "SH", "BODY FILTER");
            Text(0x0018, 0x1170, "IS", "22");
            Text(0x0018, 0x1190, "DS", "0.7");
            Text(0x0018, 0x1210, "SH", "B30f");
            Text(0x0018, 0x5100, "CS", "FFS");
            Text(0x0020, 0x000D, "UI", _studyUid);
            Text(0x0020, 0x000E, "UI", seriesUid);
            Text(0x0020, 0x0010, "SH", "S" + _studyNumber.ToString(CultureInfo.InvariantCulture));
            Text(0x0020, 0x0011, "IS", (series + 1).ToString(CultureInfo.InvariantCulture));
            Text(0x0020, 0x0012, "IS", "1");
            Text(0x0020, 0x0013, "IS", instanceInSeries.ToString(CultureInfo.InvariantCulture));
            Text(0x0020, 0x0032, "DS", @"-160\-160\" + sliceLocation);
            Text(0x0020, 0x0037, "DS", @"1\0\0\0\1\0");
            Text(0x0020, 0x0052, "UI", _frameOfReferenceUid);
            Text(0x0020, 0x1040, "LO", "XY");
            Text(0x0020, 0x1041, "DS", sliceLocation);
            Text(0x0020, 0x4000, "LT", "Generated by DicomTools.SampleData for testing; not a real patient.");
            Text(0x0028, 0x0002, "US", "1");
            Text(0x0028, 0x0004, "CS", "MONOCHROME2");
            if (multiFrame)
            {
                Text(0x0028, 0x0008, "IS", o.Frames.ToString(CultureInfo.InvariantCulture));
                d.AddBinary(new DicomTag(0x0028, 0x0009), "AT", new byte[] { 0x18, 0x00, 0x63, 0x10 });
            }
            Text(0x0028, 0x0010, "US", o.Rows.ToString(CultureInfo.InvariantCulture));
            Text(0x0028, 0x0011, "US", o.Columns.ToString(CultureInfo.InvariantCulture));
            Text(0x0028, 0x0030, "DS", @"0.625\0.625");
            Text(0x0028, 0x0100, "US", "16");
            Text(0x0028, 0x0101, "US", "12");
            Text(0x0028, 0x0102, "US", "11");
            Text(0x0028, 0x0103, "US", "0");
            Text(0x0028, 0x1050, "DS", "40");
            Text(0x0028, 0x1051, "DS", "400");
            Text(0x0028, 0x1052, "DS", "-1024");
            Text(0x0028, 0x1053, "DS", "1");
            Text(0x0028, 0x1054, "LO", "HU");
            Text(0x0032, 0x1060, "LO", "CT thorax and abdomen, contrast");
            Text(0x0040, 0x0244, "DA", Date(_studyTime));
            Text(0x0040, 0x0245, "TM", Time(_studyTime));
            Text(0x0040, 0x0253, "SH", "PPS" + (series + 1).ToString(CultureInfo.InvariantCulture));
            Text(0x0040, 0x0254, "LO", "CT thorax");
            d.AddSequence(new DicomTag(0x0040, 0x0260), new[] { Code("VCT-T", "99VET", "CT thorax protocol") });
            d.AddSequence(new DicomTag(0x0040, 0x0275), new[] { RequestAttributes() }, undefinedLength: true);
            return d;
        }

        private static DicomDatasetBuilder RequestAttributes()
        {
            var item = new DicomDatasetBuilder();
            item.Add(new DicomTag(0x0040, 0x0007), "LO", "CT thorax and abdomen");
            item.AddSequence(new DicomTag(0x0040, 0x0008), new[] { Code("VCT-TA", "99VET", "CT thorax and abdomen") }, undefinedLength: true);
            item.Add(new DicomTag(0x0040, 0x0009), "SH", "SPS1");
            item.Add(new DicomTag(0x0040, 0x1001), "SH", "RP1");
            return item;
        }

        private static DicomDatasetBuilder Code(string value, string scheme, string meaning) =>
            new DicomDatasetBuilder()
                .Add(new DicomTag(0x0008, 0x0100), "SH", value)
                .Add(new DicomTag(0x0008, 0x0102), "SH", scheme)
                .Add(new DicomTag(0x0008, 0x0104), "LO", meaning);

        private static DicomDatasetBuilder Reference(string sopClass, string sopInstance) =>
            new DicomDatasetBuilder()
                .Add(new DicomTag(0x0008, 0x1150), "UI", sopClass)
                .Add(new DicomTag(0x0008, 0x1155), "UI", sopInstance);

        private string SeriesUid(int series)
        {
            if (!_seriesUids.TryGetValue(series, out var uid)) _seriesUids[series] = uid = NewUid();
            return uid;
        }

        /// <summary>A UUID-derived UID (2.25.&lt;128-bit number&gt;, ISO/IEC 9834-8): unique without a registered root.</summary>
        private string NewUid()
        {
            var bytes = new byte[16];
            _random.NextBytes(bytes);
            bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
            bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
            return "2.25." + new BigInteger(bytes, isUnsigned: true, isBigEndian: true).ToString(CultureInfo.InvariantCulture);
        }

        /// <summary>A body-like phantom in 12 bits: an ellipse of soft tissue with "lungs" and a "spine".</summary>
        private static ushort[] Phantom(int rows, int cols)
        {
            var frame = new ushort[rows * cols];
            for (var y = 0; y < rows; y++)
            {
                for (var x = 0; x < cols; x++)
                {
                    var nx = (x - cols / 2.0) / (cols * 0.42);
                    var ny = (y - rows / 2.0) / (rows * 0.36);
                    double hu = -1000;
                    if (nx * nx + ny * ny < 1) hu = 40;
                    var lx = Math.Abs(nx) - 0.45;
                    if (lx * lx / 0.09 + ny * ny / 0.45 < 1) hu = -800;
                    var sy = ny - 0.55;
                    if (nx * nx + sy * sy < 0.02) hu = 700;
                    frame[y * cols + x] = (ushort)Math.Max(0, Math.Min(4095, hu + 1024));
                }
            }
            return frame;
        }

        /// <summary>
        /// The phantom with noise that depends on the file and frame, so no two images are alike. Little-endian:
        /// the writer swaps OW words itself for big-endian files.
        /// </summary>
        private void FillFrame(Span<byte> target, int index, int frame)
        {
            uint state = (uint)(index * 7919 + frame * 104729 + 1) * 2654435761u;
            if (state == 0) state = 1;
            for (var i = 0; i < _baseFrame.Length; i++)
            {
                state ^= state << 13; state ^= state >> 17; state ^= state << 5;
                var value = (ushort)Math.Min(4095, _baseFrame[i] + (int)(state & 15));
                BinaryPrimitives.WriteUInt16LittleEndian(target.Slice(i * 2, 2), value);
            }
        }

        private static string Date(DateTime t) => t.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        private static string Time(DateTime t) => t.ToString("HHmmss", CultureInfo.InvariantCulture);
    }
}
