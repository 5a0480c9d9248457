using System;
using System.IO;
using System.Linq;
using DicomTools.Dicom;
using Xunit;
using static DicomTools.Tests.Unit.Dicom.DicomTestFiles;

namespace DicomTools.Tests.Unit.Dicom
{
    /// <summary>The public shape: VR and transfer syntax types, tag constants, typed values, streams.</summary>
    public class DicomCodecApiTests
    {
        [Fact]
        public void VrKnowsItsFactsAndConvertsToAndFromText()
        {
            DicomVR vr = "PN";
            Assert.True(vr.IsText && vr.UsesCharacterSet && !vr.HasLongHeader);
            Assert.True(vr == "PN" && vr == DicomVR.PN && "PN" == vr);
            string code = DicomVR.SQ;
            Assert.Equal("SQ", code);
            Assert.True(new DicomVR("OB").HasLongHeader);
            Assert.Equal(2, new DicomVR("US").WordSize);
            Assert.False(new DicomVR("CS").UsesCharacterSet);
            Assert.False(new DicomVR("QQ").IsKnown);
            Assert.Equal(34, DicomVR.All.Count);
            Assert.Throws<ArgumentException>(() => new DicomVR("P"));
            Assert.True(DicomVR.TryParse("ui", out var ui) && ui == DicomVR.UI);
        }

        [Fact]
        public void TransferSyntaxesAreKnownByUidAndName()
        {
            var ts = DicomTransferSyntax.FromUid("1.2.840.10008.1.2.1.99");
            Assert.Same(DicomTransferSyntax.DeflatedExplicitVRLittleEndian, ts);
            Assert.True(ts.Deflated && ts.ExplicitVr && !ts.BigEndian && !ts.Encapsulated);
            Assert.False(DicomTransferSyntax.ImplicitVRLittleEndian.ExplicitVr);
            Assert.True(DicomTransferSyntax.ExplicitVRBigEndian.BigEndian);
            Assert.True(DicomTransferSyntax.JPEGBaseline8Bit.Encapsulated);
            Assert.True(DicomTransferSyntax.TryParse("Explicit VR Little Endian", out var byName) && byName == DicomTransferSyntax.ExplicitVRLittleEndian);
            var unknown = DicomTransferSyntax.FromUid("1.2.3.4.5");
            Assert.True(unknown.Encapsulated && unknown.ExplicitVr);
            Assert.Equal(DicomTransferSyntax.FromUid("1.2.3.4.5"), unknown);
            Assert.False(DicomTransferSyntax.TryParse("not a uid", out _));
            Assert.Throws<ArgumentException>(() => DicomTransferSyntax.FromUid("x"));
        }

        [Fact]
        public void TagConstantsMatchTheDictionary()
        {
            Assert.Equal(new DicomTag(0x0010, 0x0010), DicomTags.PatientName);
            Assert.Equal(new DicomTag(0x0040, 0x0275), DicomTags.RequestAttributesSequence);
            foreach (var f in typeof(DicomTags).GetFields())
            {
                var tag = (DicomTag)f.GetValue(null)!;
                Assert.True(DicomDictionary.TryGetByTag(tag, out var entry));
                Assert.Equal(f.Name, entry.Keyword);
            }
        }

        [Fact]
        public void TypedValuesAreSeparateFromDisplayText()
        {
            using var t = new TempFolder();
            var b = Image().Add(new DicomTag(0x0028, 0x0030), "DS", "12.5\\3").Add(new DicomTag(0x0020, 0x0013), "IS", "42")
                .Add(new DicomTag(0x0008, 0x0030), "TM", "101530.25").Add(new DicomTag(0x0008, 0x002A), "DT", "20240102101530+0100")
                .AddBinary(new DicomTag(0x0018, 0x9118), "FD", BitConverter.GetBytes(2.75));
            var path = Write(t, "v.dcm", b, ExplicitBE);
            var e = DicomFileReader.ReadElements(path, new DicomReadOptions { IncludeSequences = true }).ToDictionary(x => x.Path);
            Assert.Equal("Doe^Rex", e["(0010,0010)"].GetString());
            Assert.Equal(new DateTime(2024, 1, 2), e["(0008,0020)"].GetDate());
            Assert.Equal(new TimeSpan(0, 10, 15, 30, 250), e["(0008,0030)"].GetTime());
            Assert.Equal(new DateTimeOffset(2024, 1, 2, 10, 15, 30, TimeSpan.FromHours(1)), e["(0008,002A)"].GetDateTime());
            Assert.Equal(new[] { "12.5", "3" }, e["(0028,0030)"].GetStrings());
            Assert.Equal(3.0, e["(0028,0030)"].GetDouble(1));
            Assert.Equal(42, e["(0020,0013)"].GetInt32());
            Assert.Equal(4, e["(0028,0010)"].GetInt32());
            Assert.Equal(2.75, e["(0018,9118)"].GetDouble());
            Assert.Equal(new byte[] { 0, 4 }, e["(0028,0010)"].GetBytes()); // big endian, as stored
            Assert.Equal("[sequence, undefined length]", e["(0008,1140)"].DisplayValue);
            Assert.Null(e["(0008,1140)"].Value);
            Assert.Null(e["(7FE0,0010)"].Value);
            Assert.Equal("[32 bytes]", e["(7FE0,0010)"].DisplayValue);
            Assert.Throws<InvalidOperationException>(() => e["(7FE0,0010)"].GetBytes());
            Assert.Throws<InvalidOperationException>(() => e["(0010,0010)"].GetInt32());
            Assert.Equal("T-D0050", e["(0008,1140)[0].(0040,A043)[0].(0008,0100)"].GetString());
            var withBinary = DicomFileReader.ReadElements(path, new DicomReadOptions { IncludeBinaryValues = true, Tags = new[] { DicomTags.PixelData } }).Single();
            Assert.Equal(32, withBinary.GetBytes().Length);
        }

        [Theory]
        [InlineData(ExplicitLE)]
        [InlineData(Deflated)]
        public void StreamsReadLikeFiles(string syntax)
        {
            using var t = new TempFolder();
            var path = Write(t, "s.dcm", Image(), syntax);
            var fromFile = DicomFileReader.ReadElements(path, new DicomReadOptions { IncludeSequences = true }).Select(e => e.Path + "=" + e.DisplayValue).ToList();
            using (var fs = File.OpenRead(path))
                Assert.Equal(fromFile, DicomFileReader.ReadElements(fs, new DicomReadOptions { IncludeSequences = true }).Select(e => e.Path + "=" + e.DisplayValue).ToList());
            using (var ms = new NonSeekableStream(File.ReadAllBytes(path)))
                Assert.Equal(fromFile, DicomFileReader.ReadElements(ms, new DicomReadOptions { IncludeSequences = true }).Select(e => e.Path + "=" + e.DisplayValue).ToList());
            using (var fs = File.OpenRead(path))
            {
                var summary = DicomFileReader.ReadSummary(fs);
                Assert.Equal("1.2.826.0.1.3680043.10.1234.99.1", summary.SopInstanceUid);
                Assert.Equal(syntax, summary.TransferSyntaxUid);
            }
        }

        /// <summary>The README's quick start, as written there (paths aside): it must compile and do what it says.</summary>
        [Fact]
        public void TheReadmeExampleWorks()
        {
            using var t = new TempFolder();
            var path = Write(t, "image.dcm", Image().AddSequence(DicomTags.RequestAttributesSequence, new[] { new DicomDatasetBuilder().Add(DicomTags.ScheduledProcedureStepID, "SH", "OLD") }), ExplicitLE);
            var wanted = new[] { DicomTags.PatientName, DicomTags.StudyDate, DicomTags.Rows, DicomTags.RequestAttributesSequence };
            var seen = DicomFileReader.ReadElements(path, new DicomReadOptions { Tags = wanted, IncludeSequences = true }).Select(e => $"{e.Path} {e.Keyword} {e.VR}: {e.DisplayValue}").ToList();
            Assert.Contains("(0040,0275)[0].(0040,0009) ScheduledProcedureStepID SH: OLD", seen);

            var elements = DicomFileReader.ReadElements(path).ToDictionary(e => e.Tag);
            string? name = elements[DicomTags.PatientName].GetString();
            DateTime studyDate = elements[DicomTags.StudyDate].GetDate();
            int rows = elements[DicomTags.Rows].GetInt32();
            byte[] raw = elements[DicomTags.Rows].GetBytes();
            Assert.Equal(("Doe^Rex", new DateTime(2024, 1, 2), 4), (name, studyDate, rows));
            Assert.Equal(new byte[] { 4, 0 }, raw);

            var result = DicomFileEditor.Edit(path, new[]
            {
                DicomEdit.Set(DicomTags.PatientName, "Rex^Tiny"),
                DicomEdit.Set(DicomTagPath.Parse("RequestAttributesSequence[0].ScheduledProcedureStepID"), "SPS-7"),
            });
            Assert.Equal(new[] { "(0010,0010): 'Doe^Rex' -> 'Rex^Tiny'", "(0040,0275)[0].(0040,0009): 'OLD' -> 'SPS-7'" }, result.Changes.Select(c => $"{c.Path}: '{c.OldValue}' -> '{c.NewValue}'"));
        }

        private sealed class NonSeekableStream : MemoryStream
        {
            public NonSeekableStream(byte[] bytes) : base(bytes, false) { }
            public override bool CanSeek => false;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => base.Position; set => throw new NotSupportedException(); }
            public override long Seek(long offset, SeekOrigin loc) => throw new NotSupportedException();
        }
    }
}
