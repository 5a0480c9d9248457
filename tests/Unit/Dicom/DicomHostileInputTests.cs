using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using DicomTools.Dicom;
using Xunit;
using static DicomTools.Tests.Unit.Dicom.DicomTestFiles;

namespace DicomTools.Tests.Unit.Dicom
{
    /// <summary>Damaged and hostile files: a DicomFormatException with the offset and the path, no huge allocation, no hang, nothing written.</summary>
    public class DicomHostileInputTests
    {
        private static byte[] Header(ushort group, ushort element, string vr, uint length)
        {
            var b = new List<byte> { (byte)group, (byte)(group >> 8), (byte)element, (byte)(element >> 8) };
            if (group == 0xFFFE) { b.AddRange(BitConverter.GetBytes(length)); return b.ToArray(); }
            b.Add((byte)vr[0]); b.Add((byte)vr[1]);
            if (vr is "OB" or "OW" or "SQ" or "UN" or "UT" or "UC" or "UR") { b.Add(0); b.Add(0); b.AddRange(BitConverter.GetBytes(length)); }
            else b.AddRange(BitConverter.GetBytes((ushort)length));
            return b.ToArray();
        }

        private static byte[] Text(ushort group, ushort element, string vr, string value) =>
            Header(group, element, vr, (uint)value.Length).Concat(Encoding.ASCII.GetBytes(value)).ToArray();

        private static readonly byte[] Start =
            Text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7\0").Concat(Text(0x0008, 0x0018, "UI", "1.2.3.4.5\0")).ToArray();

        /// <summary>Preamble + File Meta (from our writer) and then the given dataset bytes, deflated if asked.</summary>
        private static string Part10(TempFolder t, string name, byte[] dataset, string syntax = ExplicitLE)
        {
            var path = t.File(name);
            using (var ms = new MemoryStream())
            {
                DicomFileWriter.Write(ms, new DicomDatasetBuilder(), syntax);
                var all = ms.ToArray();
                var metaEnd = 132 + 12 + (int)BitConverter.ToUInt32(all, 140);
                using var fs = File.Create(path);
                fs.Write(all, 0, metaEnd);
                if (syntax == Deflated)
                {
                    using var z = new DeflateStream(fs, CompressionLevel.Fastest, true);
                    z.Write(dataset, 0, dataset.Length);
                }
                else fs.Write(dataset, 0, dataset.Length);
            }
            return path;
        }

        private static DicomFormatException AssertRefused(string path, bool editAlsoRefuses = true)
        {
            var bytes = File.ReadAllBytes(path);
            var read = Assert.Throws<DicomFormatException>(() => DicomFileReader.ReadElements(path, new DicomReadOptions { IncludeSequences = true }).ToList());
            Assert.Equal(path, read.Path);
            Assert.Contains("offset " + read.Offset, read.Message);
            Assert.Contains(path, read.Message);
            if (editAlsoRefuses)
            {
                var edit = Assert.Throws<DicomFormatException>(() => DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "New^Name") }, new DicomEditOptions { FlushToDisk = false }));
                Assert.Equal(path, edit.Path);
            }
            Assert.Equal(bytes, File.ReadAllBytes(path));
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
            return read;
        }

        [Fact]
        public void NonDicomFileIsRefusedAtOffsetZero()
        {
            using var t = new TempFolder();
            var path = t.File("notes.txt");
            File.WriteAllText(path, "These are not the images you are looking for.\n" + new string('x', 300));
            Assert.False(DicomFileReader.LooksLikeDicom(path));
            var ex = AssertRefused(path);
            Assert.Equal(0, ex.Offset);
            Assert.Contains("Not a DICOM file", ex.Message);
        }

        [Fact]
        public void EmptyFileIsRefused()
        {
            using var t = new TempFolder();
            var path = t.File("empty.dcm");
            File.WriteAllBytes(path, Array.Empty<byte>());
            Assert.False(DicomFileReader.LooksLikeDicom(path));
            AssertRefused(path);
        }

        [Theory]
        [InlineData(0.5)]
        [InlineData(0.97)]
        public void TruncatedFileIsRefused(double keep)
        {
            using var t = new TempFolder();
            var full = Write(t, "full.dcm", Image(rows: 32, columns: 32), ExplicitLE);
            var bytes = File.ReadAllBytes(full);
            File.Delete(full);
            var path = t.File("cut.dcm");
            File.WriteAllBytes(path, bytes.Take((int)(bytes.Length * keep)).ToArray());
            var ex = AssertRefused(path);
            Assert.True(ex.Offset > 132 && ex.Offset <= bytes.Length);
        }

        [Fact]
        public void TruncatedInsideAnElementHeaderIsRefused()
        {
            using var t = new TempFolder();
            var path = Part10(t, "h.dcm", Start.Concat(new byte[] { 0x10, 0x00, 0x10 }).ToArray());
            var ex = AssertRefused(path);
            Assert.Contains("element header", ex.Message);
        }

        [Fact]
        public void LengthPastTheEndIsRefusedWithoutAllocatingIt()
        {
            using var t = new TempFolder();
            var path = Part10(t, "l.dcm", Start.Concat(Header(0x0010, 0x0010, "UT", 0x7FFFFFF0)).Concat(new byte[16]).ToArray());
            var before = GC.GetAllocatedBytesForCurrentThread();
            var ex = AssertRefused(path);
            Assert.Contains("runs past the end of the file", ex.Message);
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64L * 1024 * 1024, "no allocation from the length field");
        }

        [Fact]
        public void AbsurdLengthInADeflatedFileIsBoundedByTheDataActuallyThere()
        {
            using var t = new TempFolder();
            var path = Part10(t, "d.dcm", Start.Concat(Header(0x0010, 0x0010, "UT", 0xFFFFFFF0)).Concat(new byte[64]).ToArray(), Deflated);
            var before = GC.GetAllocatedBytesForCurrentThread();
            var ex = AssertRefused(path);
            Assert.Contains("truncated", ex.Message);
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64L * 1024 * 1024);
        }

        [Fact]
        public void EndlessZeroLengthItemsEndAtTheEndOfTheFile()
        {
            using var t = new TempFolder();
            var items = Enumerable.Range(0, 100_000).SelectMany(_ => Header(0xFFFE, 0xE000, "", 0));
            var path = Part10(t, "z.dcm", Start.Concat(Header(0x0008, 0x1140, "SQ", 0xFFFFFFFF)).Concat(items).ToArray());
            var ex = AssertRefused(path);
            Assert.Contains("(0008,1140)", ex.Message);
        }

        [Fact]
        public void NestingDeeperThanTheLimitIsRefused()
        {
            using var t = new TempFolder();
            var nested = new List<byte>();
            for (var i = 0; i < 100; i++) { nested.AddRange(Header(0x0040, 0xA730, "SQ", 0xFFFFFFFF)); nested.AddRange(Header(0xFFFE, 0xE000, "", 0xFFFFFFFF)); }
            var path = Part10(t, "n.dcm", Start.Concat(nested).ToArray());
            var ex = AssertRefused(path);
            Assert.Contains("nested deeper than 64", ex.Message);
        }

        [Fact]
        public void DamageAfterTheLastEditedTagIsFoundBeforeWriting()
        {
            using var t = new TempFolder();
            var dataset = Start.Concat(Text(0x0010, 0x0010, "PN", "Old^Name")).Concat(Header(0x7FE0, 0x0010, "OB", 4096)).Concat(new byte[100]).ToArray();
            var path = Part10(t, "p.dcm", dataset);
            var bytes = File.ReadAllBytes(path);
            var ex = Assert.Throws<DicomFormatException>(() => DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "New^Name") }));
            Assert.Contains("(7FE0,0010)", ex.Message);
            Assert.Equal(bytes, File.ReadAllBytes(path));
            Assert.Single(Directory.GetFiles(t.Path));
        }

        [Fact]
        public void ReadingOnlyWhatIsNeededStopsBeforeTheDamage()
        {
            using var t = new TempFolder();
            var dataset = Start.Concat(Text(0x0010, 0x0010, "PN", "Old^Name")).Concat(Header(0x7FE0, 0x0010, "OB", 4096)).Concat(new byte[100]).ToArray();
            var path = Part10(t, "p.dcm", dataset);
            var name = DicomFileReader.ReadElements(path, new DicomReadOptions { Tags = new[] { PatientName } }).Single();
            Assert.Equal("Old^Name", name.Value);
            // A re-run that changes nothing reads no further than it must, so it never trips over the damaged pixel data.
            var result = DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "Old^Name") });
            Assert.False(result.Written);
            Assert.Throws<DicomFormatException>(() => DicomFileReader.ReadElements(path).ToList());
        }

        // Issue 9 (2): a deflate stream that stops before its final block is damage, even when the data inflated so far
        // ends exactly between two elements (a sync-flushed stream cut there inflates cleanly up to that point).
        [Fact]
        public void DeflateStreamWithoutItsEndIsRefused()
        {
            using var t = new TempFolder();
            var rest = Text(0x0010, 0x0010, "PN", "Old^Name").Concat(Text(0x0010, 0x0020, "LO", "ID-1")).ToArray();
            var path = Part10(t, "full.dcm", Start, Deflated);
            var meta = File.ReadAllBytes(path).Take(132 + 12 + (int)BitConverter.ToUInt32(File.ReadAllBytes(path), 140)).ToArray();
            File.Delete(path);
            using var compressed = new MemoryStream();
            using (var z = new DeflateStream(compressed, CompressionLevel.Fastest, true))
            {
                z.Write(Start, 0, Start.Length);
                z.Flush(); // sync flush: everything so far can be inflated; the final block never comes
                var cut = compressed.ToArray();
                path = t.File("cut.dcm");
                File.WriteAllBytes(path, meta.Concat(cut).ToArray());
                z.Write(rest, 0, rest.Length);
            }
            var ex = AssertRefused(path);
            Assert.Contains("deflate", ex.Message, StringComparison.OrdinalIgnoreCase);
        }

        // Issue 9 (2): a deflated dataset whose inflated data ends inside a defined-length sequence is damage, not a short read.
        [Fact]
        public void DeflatedDatasetEndingInsideADefinedLengthSequenceIsRefused()
        {
            using var t = new TempFolder();
            var item = Text(0x0008, 0x1150, "UI", "1.2.3\0");
            var sequence = Header(0x0008, 0x1140, "SQ", (uint)(2 * (8 + item.Length))).Concat(Header(0xFFFE, 0xE000, "", (uint)item.Length)).Concat(item).ToArray();
            var path = Part10(t, "s.dcm", Start.Concat(sequence).ToArray(), Deflated);
            var ex = AssertRefused(path);
            Assert.Contains("(0008,1140)", ex.Message);
        }

        private static byte[] DefinedLengthNesting(int levels)
        {
            // Level i (outermost first) starts at i * 20: a 12-byte SQ header and an 8-byte item header around the rest.
            var bytes = new List<byte>(levels * 20);
            for (var i = 0; i < levels; i++)
            {
                var rest = (levels - i) * 20;
                bytes.AddRange(Header(0x0040, 0xA730, "SQ", (uint)(rest - 12)));
                bytes.AddRange(Header(0xFFFE, 0xE000, "", (uint)(rest - 20)));
            }
            return bytes.ToArray();
        }

        // Issue 9 (3): the editor walks defined-length sequences before the edited tag with the reader's rules.
        [Fact]
        public void DeepDefinedLengthNestingBeforeTheEditedTagIsRefusedByTheEditorToo()
        {
            using var t = new TempFolder();
            var dataset = Start.Concat(DefinedLengthNesting(10_000)).Concat(Text(0x0040, 0xA731, "LO", "x ")).ToArray();
            // (0040,A730) sorts after (0010,0010): put the edit after it so the scan passes over the nesting.
            var path = Part10(t, "deep.dcm", dataset);
            var bytes = File.ReadAllBytes(path);
            Assert.Throws<DicomFormatException>(() => DicomFileReader.ReadElements(path, new DicomReadOptions { IncludeSequences = true }).ToList());
            var ex = Assert.Throws<DicomFormatException>(() => DicomFileEditor.Edit(path, new[] { DicomEdit.Set(new DicomTag(0x0040, 0xA731), "y", "LO") }, new DicomEditOptions { FlushToDisk = false }));
            Assert.Contains("nested deeper than 64", ex.Message);
            Assert.Equal(bytes, File.ReadAllBytes(path));
        }

        // One rule set: a sequence delimiter inside a defined-length sequence is refused by the reader as by the editor.
        [Fact]
        public void SequenceDelimiterInADefinedLengthSequenceIsRefusedByReaderAndEditor()
        {
            using var t = new TempFolder();
            var sequence = Header(0x0008, 0x1140, "SQ", 8).Concat(Header(0xFFFE, 0xE0DD, "", 0)).ToArray();
            var path = Part10(t, "delim.dcm", Start.Concat(sequence).Concat(Text(0x0010, 0x0010, "PN", "Old^Name")).ToArray());
            var ex = AssertRefused(path);
            Assert.Contains("sequence delimiter", ex.Message);
        }

        // Issue 9 (8): a stray item or delimiter tag at the top level is damage for the reader as for the editor.
        [Theory]
        [InlineData(0xE000, 4u)]
        [InlineData(0xE00D, 0u)]
        [InlineData(0xE0DD, 0u)]
        public void StrayItemTagAtTheTopLevelIsRefusedByReaderAndEditor(int element, uint length)
        {
            using var t = new TempFolder();
            var stray = Header(0xFFFE, (ushort)element, "", length).Concat(new byte[length]).ToArray();
            var path = Part10(t, "stray.dcm", Start.Concat(Text(0x0010, 0x0010, "PN", "Old^Name")).Concat(stray).ToArray());
            var ex = AssertRefused(path);
            Assert.Contains("(FFFE," + element.ToString("X4") + ")", ex.Message);
        }

        [Fact]
        public void GarbageWhereAVrShouldBeIsRefused()
        {
            using var t = new TempFolder();
            var path = Part10(t, "v.dcm", Start.Concat(new byte[] { 0x10, 0x00, 0x10, 0x00, 0x01, 0x02, 0x04, 0x00, 1, 2, 3, 4 }).ToArray());
            var ex = AssertRefused(path);
            Assert.Contains("no valid VR", ex.Message);
            Assert.Equal(132 + 12 + BitConverter.ToUInt32(File.ReadAllBytes(path), 140) + Start.Length, ex.Offset);
        }
    }
}

namespace DicomTools.Tests.Unit.Dicom
{
    public class DicomOrderTests
    {
        [Fact]
        public void ElementsOutOfTagOrderAreNotEdited()
        {
            using var t = new TempFolder();
            // PatientID (0010,0020) written before PatientName (0010,0010): an edit could miss one of them.
            var b = Image();
            b.Remove(PatientName);
            var path = Write(t, "o.dcm", b, ExplicitLE);
            var bytes = File.ReadAllBytes(path).ToList();
            var at = (int)DicomFileReader.ReadElements(path).Single(e => e.Tag == PatientId).Offset;
            var name = new byte[] { 0x10, 0, 0x10, 0, (byte)'P', (byte)'N', 4, 0, (byte)'A', (byte)'^', (byte)'B', (byte)' ' };
            var idLength = 8 + BitConverter.ToUInt16(bytes.ToArray(), at + 6);
            bytes.InsertRange(at + idLength, name);
            File.WriteAllBytes(path, bytes.ToArray());
            var ex = Assert.Throws<DicomFormatException>(() => DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "C^D") }));
            Assert.Contains("ascending tag order", ex.Message);
            Assert.Equal(bytes.ToArray(), File.ReadAllBytes(path));
        }
    }
}
