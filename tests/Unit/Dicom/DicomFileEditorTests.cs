using System;
using System.IO;
using System.Linq;
using DicomTools.Dicom;
using DicomTools.Tests.Unit.Support;
using Xunit;
using static DicomTools.Tests.Unit.Dicom.DicomTestFiles;

namespace DicomTools.Tests.Unit.Dicom
{
    public class DicomFileEditorTests
    {
        private static readonly DicomEditOptions NoFlush = new DicomEditOptions { FlushToDisk = false };
        private static readonly DicomTag PatientAge = new DicomTag(0x0010, 0x1010);
        private static readonly DicomTag PatientWeight = new DicomTag(0x0010, 0x1030);

        [Theory]
        [InlineData("(0008,0080)", "LO", "this clinic name is much longer than sixty-four characters, which LO refuses", "max-length")]
        [InlineData("(0010,0020)", "LO", "A\\B", "single-valued")]
        [InlineData("(2200,0005)", "LT", "one\\two", "single-valued")]
        [InlineData("(0008,0060)", "CS", "mr", "cs-characters")]
        [InlineData("(0008,0050)", "SH", "12345678901234567", "max-length")]
        [InlineData("(0010,0010)", "PN", "A^B^C^D^E^F", "pn-components")]
        [InlineData("(0010,0010)", "PN", "A=B=C=D", "pn-groups")]
        [InlineData("(0010,0020)", "LO", "tab\there", "control-character")]
        [InlineData("(0020,000D)", "UI", "1.2.03.4", "uid-leading-zero")]
        [InlineData("(0020,000D)", "UI", "1.2..4", "uid-format")]
        [InlineData("(0008,0020)", "DA", "2024-01-02", "max-length")]
        [InlineData("(0008,0020)", "DA", "20241302", "date-format")]
        [InlineData("(0010,1010)", "AS", "3 years", "max-length")]
        public void BadValuesAreRefusedBeforeAnythingIsWritten(string tagText, string vr, string value, string rule)
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), ExplicitLE);
            var bytes = File.ReadAllBytes(path);
            Assert.True(DicomTag.TryParse(tagText, out var tag));
            var ex = Assert.Throws<DicomValueException>(() => DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "Valid^Name"), DicomEdit.Set(tag, value) }));
            Assert.Equal(tag, ex.Tag);
            Assert.Equal(vr, ex.VR);
            Assert.Equal(rule, ex.Rule);
            Assert.Contains(tag.ToString(), ex.Message);
            Assert.Contains("(" + vr + ")", ex.Message);
            Assert.Contains("rule " + rule, ex.Message);
            Assert.Contains(value.Length + " characters", ex.Message);
            Assert.Equal(bytes, File.ReadAllBytes(path));
        }

        [Fact]
        public void LongTextUpToTheLimitIsAcceptedAndPadded()
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), ExplicitLE);
            DicomFileEditor.Edit(path, new[] { DicomEdit.Set(Barcode, new string('x', 10239)), DicomEdit.Set(Species, "Cat") }, NoFlush);
            var elements = DicomFileReader.ReadElements(path).ToList();
            Assert.Equal(10240, elements.Single(e => e.Tag == Barcode).Length);
            Assert.Equal(4, elements.Single(e => e.Tag == Species).Length); // "Cat " padded with a space
            Assert.Throws<DicomValueException>(() => DicomFileEditor.Edit(path, new[] { DicomEdit.Set(Barcode, new string('x', 10241)) }));
        }

        [Fact]
        public void UidsArePaddedWithNul()
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), ExplicitLE);
            DicomFileEditor.Edit(path, new[] { DicomEdit.Set(new DicomTag(0x0020, 0x000E), "1.2.3") }, NoFlush);
            var raw = File.ReadAllBytes(path);
            Assert.True(DicomCharacterSetTests.IndexOf(raw, new byte[] { (byte)'1', (byte)'.', (byte)'2', (byte)'.', (byte)'3', 0 }) > 0);
        }

        [RequiresToolFact("dcmdump")]
        public void AddsInTagOrderAndRemoves()
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), ImplicitLE);
            var before = Dump(path);
            var result = DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientWeight, "12.5"), DicomEdit.Remove(PatientAge), DicomEdit.Remove(new DicomTag(0x0010, 0x4000)) }, NoFlush);
            Assert.Equal(2, result.Changes.Count); // removing an absent element is no change
            Assert.Contains(result.Changes, c => c.Tag == PatientAge && c.OldValue == "003Y" && c.NewValue == null);
            var diff = DiffDumps(before, Dump(path));
            Assert.Equal(new[] { "+(0010,1030) DS [12.5]", "-(0010,1010) AS [003Y]" }.OrderBy(x => x), diff.Select(l => l.Substring(0, l.IndexOf(']') + 1)).OrderBy(x => x));
            var tags = DicomFileReader.ReadElements(path).Select(e => e.Tag).ToList();
            Assert.Equal(tags.OrderBy(x => x), tags);
        }

        [RequiresToolFact("dcmdump", "dcmconv")]
        public void GroupLengthsOfEditedGroupsAreRecomputedOthersUntouched()
        {
            using var t = new TempFolder();
            var source = Write(t, "src.dcm", Image(), ExplicitLE);
            var path = t.File("g.dcm");
            Assert.Equal(0, Run("dcmconv", "+g", source, path).ExitCode);
            var before = Dump(path);
            DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "A much longer patient name^Rex"), DicomEdit.Set(PatientWeight, "4"), DicomEdit.Remove(PatientAge) }, NoFlush);
            var diff = DiffDumps(before, Dump(path));
            Assert.Equal(new[] { "(0010,0000)", "(0010,0010)", "(0010,1010)", "(0010,1030)" }, TagsIn(diff).OrderBy(x => x));
            // The recomputed value is right: it spans exactly the group's elements.
            var elements = DicomFileReader.ReadElements(path).ToList();
            var gl = elements.Single(e => e.Tag == new DicomTag(0x0010, 0x0000));
            var next = elements.First(e => e.Tag.Group > 0x0010);
            Assert.Equal(next.Offset - (gl.Offset + 12), long.Parse(gl.Value!));
            // dcmtk agrees: recomputing group lengths changes nothing.
            var again = t.File("again.dcm");
            Assert.Equal(0, Run("dcmconv", "+g", path, again).ExitCode);
            Assert.Equal(Dump(path), Dump(again));
        }

        [RequiresToolFact("dcmdump", "dcmconv")]
        public void GroupLengthsStayRightWhenTheDatasetIsConvertedToUtf8()
        {
            using var t = new TempFolder();
            var b = Image(charset: "ISO_IR 100").Add(PatientName, "PN", "Müller^Rex");
            var source = Write(t, "src.dcm", b, ExplicitLE);
            var path = t.File("g.dcm");
            Assert.Equal(0, Run("dcmconv", "+g", source, path).ExitCode);
            DicomFileEditor.Edit(path, new[] { DicomEdit.Set(InstitutionName, "北京 Clinic") }, NoFlush);
            var again = t.File("again.dcm");
            Assert.Equal(0, Run("dcmconv", "+g", path, again).ExitCode);
            Assert.Equal(Dump(path), Dump(again));
            Assert.Equal("Müller^Rex", DicomFileReader.ReadElements(path).Single(e => e.Tag == PatientName).Value);
        }

        [RequiresToolFact("dcmdump")]
        public void ChangingTheSopInstanceUidUpdatesFileMeta()
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), ExplicitLE);
            var before = Dump(path);
            var result = DicomFileEditor.Edit(path, new[] { DicomEdit.Set(DicomTag.SopInstanceUid, "1.2.3.4.5.6.7.8.9.10") }, NoFlush);
            Assert.Equal("1.2.3.4.5.6.7.8.9.10", result.SopInstanceUid);
            var diff = DiffDumps(before, Dump(path));
            Assert.Equal(new[] { "(0002,0000)", "(0002,0003)", "(0008,0018)" }, TagsIn(diff).OrderBy(x => x));
            Assert.Equal("1.2.3.4.5.6.7.8.9.10", DicomFileReader.ReadSummary(path).SopInstanceUid);
        }

        [RequiresToolFact("dcmdump")]
        public void FileMetaIsByteIdenticalOtherwise()
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), ExplicitLE);
            var metaLength = 144 + (int)BitConverter.ToUInt32(File.ReadAllBytes(path), 140);
            var meta = File.ReadAllBytes(path).Take(metaLength).ToArray();
            DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "X^Y") }, NoFlush);
            Assert.Equal(meta, File.ReadAllBytes(path).Take(metaLength).ToArray());
        }

        [RequiresToolTheory("dcmdump")]
        [InlineData(ImplicitLE)]
        [InlineData(ExplicitLE)]
        public void FilesWithoutPreambleStayThatWay(string syntax)
        {
            using var t = new TempFolder();
            var path = Write(t, "raw.dcm", Image(), syntax, part10: false);
            Assert.True(DicomFileReader.LooksLikeDicom(path));
            var summary = DicomFileReader.ReadSummary(path);
            Assert.False(summary.HasPreamble);
            Assert.Equal(syntax, summary.TransferSyntaxUid);
            var before = Dump(path);
            var firstBytes = File.ReadAllBytes(path).Take(16).ToArray();
            DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "Raw^Cat"), DicomEdit.Set(Species, "Feline") }, NoFlush);
            Assert.Equal(firstBytes, File.ReadAllBytes(path).Take(16).ToArray());
            Assert.Equal(new[] { "(0010,0010)", "(0010,2201)" }, TagsIn(DiffDumps(before, Dump(path))).OrderBy(x => x));
        }

        [Fact]
        public void DestinationWritesACopyAndLeavesTheSourceAlone()
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), ExplicitLE);
            var bytes = File.ReadAllBytes(path);
            var destination = Path.Combine(t.Path, "out", "nested", "a.dcm");
            var result = DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "Copy^Cat") }, new DicomEditOptions { DestinationPath = destination, FlushToDisk = false });
            Assert.True(result.Written);
            Assert.Equal(destination, result.OutputPath);
            Assert.Equal(bytes, File.ReadAllBytes(path));
            Assert.Equal("Copy^Cat", DicomFileReader.ReadElements(destination).Single(e => e.Tag == PatientName).Value);
        }

        [Fact]
        public void DryRunReportsChangesAndWritesNothing()
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), ExplicitLE);
            var bytes = File.ReadAllBytes(path);
            var result = DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "Dry^Run") }, new DicomEditOptions { DryRun = true });
            Assert.False(result.Written);
            var change = Assert.Single(result.Changes);
            Assert.Equal("Doe^Rex", change.OldValue);
            Assert.Equal("Dry^Run", change.NewValue);
            Assert.Equal("PatientName", change.Keyword);
            Assert.Equal(bytes, File.ReadAllBytes(path));
            Assert.Single(Directory.GetFiles(t.Path));
        }

        [Fact]
        public void AFailureBeforeTheReplaceLeavesTheOriginalAndNoTempFile()
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), ExplicitLE);
            var bytes = File.ReadAllBytes(path);
            string? seenTemp = null;
            // The hook is process-wide and tests run in parallel: fail only this test's file.
            DicomFileEditor.BeforeReplace = temp =>
            {
                if (Path.GetDirectoryName(temp) != t.Path) return;
                seenTemp = temp;
                throw new IOException("disk full (injected)");
            };
            try
            {
                var ex = Assert.Throws<IOException>(() => DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "Fail^Me") }));
                Assert.Contains("injected", ex.Message);
            }
            finally
            {
                DicomFileEditor.BeforeReplace = null;
            }
            Assert.NotNull(seenTemp);
            Assert.Equal(t.Path, Path.GetDirectoryName(seenTemp)); // the temporary file is in the same folder (same volume: atomic rename)
            Assert.False(File.Exists(seenTemp));
            Assert.Equal(bytes, File.ReadAllBytes(path));
            Assert.Single(Directory.GetFiles(t.Path));
        }

        [Fact]
        public void AnUnwritableDestinationFailsCleanly()
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), ExplicitLE);
            var bytes = File.ReadAllBytes(path);
            var blocker = t.File("blocker");
            File.WriteAllText(blocker, "a file where a folder should be");
            Assert.ThrowsAny<IOException>(() => DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "No^Where") }, new DicomEditOptions { DestinationPath = Path.Combine(blocker, "a.dcm") }));
            Assert.Equal(bytes, File.ReadAllBytes(path));
            Assert.Equal(2, Directory.GetFiles(t.Path).Length);
        }

        [Fact]
        public void PermissionsOfTheOriginalAreKept()
        {
            if (OperatingSystem.IsWindows()) return; // File.Replace keeps ACLs there; covered by the runtime
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), ExplicitLE);
            var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
            File.SetUnixFileMode(path, mode);
            DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "Mode^Kept") }, NoFlush);
            Assert.Equal(mode, File.GetUnixFileMode(path));
        }

        [Fact]
        public void UnknownPrivateTagNeedsAVr()
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), ImplicitLE);
            var ex = Assert.Throws<DicomValueException>(() => DicomFileEditor.Edit(path, new[] { DicomEdit.Set(new DicomTag(0x0011, 0x1010), "x") }));
            Assert.Equal("unknown-vr", ex.Rule);
            var result = DicomFileEditor.Edit(path, new[] { DicomEdit.Set(new DicomTag(0x0011, 0x1010), "x", "LO") }, NoFlush);
            Assert.True(result.Written);
        }

        [Fact]
        public void FileMetaAndSequencesAreNotEditableAsText()
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), ExplicitLE);
            Assert.Equal("not-editable", Assert.Throws<DicomValueException>(() => DicomFileEditor.Edit(path, new[] { DicomEdit.Set(DicomTag.TransferSyntaxUid, "1.2") })).Rule);
            Assert.Equal("not-editable", Assert.Throws<DicomValueException>(() => DicomFileEditor.Edit(path, new[] { DicomEdit.Set(new DicomTag(0x0008, 0x1140), "x") })).Rule);
            Assert.Equal("binary-value", Assert.Throws<DicomValueException>(() => DicomFileEditor.Edit(path, new[] { DicomEdit.Set(DicomTag.PixelData, "x") })).Rule);
        }

        [Fact]
        public void NumbersAreWrittenInTheFilesByteOrder()
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(), ExplicitBE);
            DicomFileEditor.Edit(path, new[] { DicomEdit.Set(new DicomTag(0x0028, 0x0103), "1") }, NoFlush);
            Assert.Equal("1", DicomFileReader.ReadElements(path).Single(e => e.Tag == new DicomTag(0x0028, 0x0103)).Value);
        }

        /// <summary>A few-MB file: the edit copies pixel data as a byte range, identical afterwards.</summary>
        [Fact]
        public void ManyMegabytePixelDataIsCopiedByteIdentical()
        {
            using var t = new TempFolder();
            var pixels = new byte[1024 * 1024 * 4];
            new Random(7).NextBytes(pixels);
            var path = Write(t, "big.dcm", Image(pixels: pixels, rows: 1024, columns: 2048), ExplicitLE);
            var before = DicomEncapsulatedAndPeerFileTests.PixelDataBytes(path);
            var result = DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "Big^Dog"), DicomEdit.Set(Barcode, "B1") }, NoFlush);
            Assert.True(result.Written);
            Assert.Equal(before, DicomEncapsulatedAndPeerFileTests.PixelDataBytes(path));
        }
    }
}
