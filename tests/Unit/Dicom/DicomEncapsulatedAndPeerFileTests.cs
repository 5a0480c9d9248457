using System.Collections.Generic;
using System.IO;
using System.Linq;
using DicomTools.Dicom;
using DicomTools.Tests.Unit.Support;
using Xunit;
using static DicomTools.Tests.Unit.Dicom.DicomTestFiles;

namespace DicomTools.Tests.Unit.Dicom
{
    /// <summary>Encapsulated syntaxes and files made by dcmtk rather than by our writer.</summary>
    public class DicomEncapsulatedAndPeerFileTests
    {
        private static readonly DicomEdit[] Edits =
        {
            DicomEdit.Set(PatientName, "Rex^Tiny"),
            DicomEdit.Set(Species, "Feline"),
            DicomEdit.Set(Barcode, "BC-1"),
        };

        private static void AssertOnlyEditedLinesChange(string path, params string[] tags)
        {
            var before = Dump(path);
            var pixels = DicomFileEditorRoundTripTests.ReadPixelValue(path);
            var tail = PixelDataBytes(path);
            var result = DicomFileEditor.Edit(path, Edits, new DicomEditOptions { FlushToDisk = false });
            Assert.True(result.Written);
            var diff = DiffDumps(before, Dump(path));
            Assert.Equal(new HashSet<string>(tags), TagsIn(diff));
            Assert.Equal(pixels, DicomFileEditorRoundTripTests.ReadPixelValue(path));
            Assert.Equal(tail, PixelDataBytes(path));
        }

        /// <summary>The raw file bytes from the pixel data element to the end (empty for deflated files, compared after inflation by dcmdump).</summary>
        internal static byte[] PixelDataBytes(string path)
        {
            if (DicomFileReader.ReadSummary(path).TransferSyntaxUid == Deflated) return new byte[0];
            var pixel = DicomFileReader.ReadElements(path).Single(e => e.Tag == DicomTag.PixelData);
            return File.ReadAllBytes(path).Skip((int)pixel.Offset).ToArray();
        }

        [RequiresToolFact("dcmdump")]
        public void EncapsulatedFragmentsAndOffsetTablePassThroughByteIdentical()
        {
            using var t = new TempFolder();
            var b = Image();
            b.AddEncapsulatedPixelData(new byte[] { 0, 0, 0, 0, 0x20, 0, 0, 0 }, new[] { Enumerable.Repeat((byte)0xAB, 31).ToArray(), Enumerable.Repeat((byte)0xCD, 40).ToArray() });
            var path = Write(t, "jpeg.dcm", b, JpegBaseline);
            AssertOnlyEditedLinesChange(path, "(0010,0010)", "(0010,2201)", "(2200,0005)");
            var pixel = DicomFileReader.ReadElements(path, new DicomReadOptions { Tags = new[] { DicomTag.PixelData } }).Single();
            Assert.Equal(-1, pixel.Length);
        }

        public static IEnumerable<object[]> DcmtkConversions() => new[]
        {
            new object[] { "dcmconv", "+ti" }, new object[] { "dcmconv", "+te" }, new object[] { "dcmconv", "+tb" },
            new object[] { "dcmconv", "+td" }, new object[] { "dcmcrle", "" }, new object[] { "dcmcjpeg", "" },
            new object[] { "dcmcjpls", "" }, new object[] { "dcmconv", "+g" },
        };

        /// <summary>dcmtk writes the file (its own choices of lengths, padding, group lengths); we edit it losslessly.</summary>
        [RequiresToolTheory("dcmdump", "dcmconv", "dcmcrle", "dcmcjpeg", "dcmcjpls")]
        [MemberData(nameof(DcmtkConversions))]
        public void FilesWrittenByDcmtkEditLosslessly(string tool, string option)
        {
            using var t = new TempFolder();
            var source = Write(t, "src.dcm", Image(rows: 16, columns: 16), ExplicitLE);
            var path = t.File("peer.dcm");
            var args = new List<string>();
            if (option.Length > 0) args.Add(option);
            args.Add(source);
            args.Add(path);
            var (code, output, err) = Run(tool, args.ToArray());
            Assert.True(code == 0, tool + " failed: " + err + output);
            var tags = new List<string> { "(0010,0010)", "(0010,2201)", "(2200,0005)" };
            if (option == "+g") tags.Add("(0010,0000)"); // the edited group's length is recomputed; dcmconv made none for the new group 2200
            AssertOnlyEditedLinesChange(path, tags.ToArray());
        }

        [RequiresToolFact("dcmdump", "dcmj2pnm", "img2dcm")]
        public void FileMadeByImg2dcmFromAJpegEditsLosslessly()
        {
            using var t = new TempFolder();
            var source = Write(t, "src.dcm", Image(rows: 16, columns: 16), ExplicitLE);
            var jpeg = t.File("img.jpg");
            var (code, _, err) = Run("dcmj2pnm", "+oj", source, jpeg);
            Assert.True(code == 0, err);
            var path = t.File("img2dcm.dcm");
            (code, _, err) = Run("img2dcm", "-i", "JPEG", jpeg, path);
            Assert.True(code == 0, err);
            Assert.Equal("1.2.840.10008.1.2.4.50", DicomFileReader.ReadSummary(path).TransferSyntaxUid);
            AssertOnlyEditedLinesChange(path, "(0010,0010)", "(0010,2201)", "(2200,0005)");
        }

        [RequiresToolFact("dcmdump", "dump2dcm")]
        public void FileMadeByDump2dcmWithOddLengthsAndPrivateUnEditsLosslessly()
        {
            using var t = new TempFolder();
            var path = DumpToFile(t, "d.dcm", string.Join("\n",
                "(0008,0016) UI =SecondaryCaptureImageStorage",
                "(0008,0018) UI [1.2.3.4.5]",
                "(0008,0080) LO [Some Clinic]",
                "(0009,0010) LO [ACME]",
                "(0009,1002) UN 01\\02\\03",
                "(0009,1003) LO [odd]",
                "(0010,0010) PN [Cat^Tom]",
                "(0010,0020) LO [X]",
                "(0040,0275) SQ (Sequence with undefined length)",
                "  (fffe,e000) na (Item with undefined length)",
                "    (0040,0007) LO [step]",
                "    (0040,A043) SQ (Sequence with undefined length)",
                "      (fffe,e000) na (Item with undefined length)",
                "        (0008,0100) SH [C1]",
                "      (fffe,e00d) na (ItemDelimitationItem)",
                "    (fffe,e0dd) na (SequenceDelimitationItem)",
                "  (fffe,e00d) na (ItemDelimitationItem)",
                "(fffe,e0dd) na (SequenceDelimitationItem)",
                "(7fe0,0010) OB 01\\02\\03\\04"), "+E", "-q");
            AssertOnlyEditedLinesChange(path, "(0010,0010)", "(0010,2201)", "(2200,0005)");
            var un = DicomFileReader.ReadElements(path).Single(e => e.Tag == new DicomTag(0x0009, 0x1002));
            Assert.Equal("UN", un.VR);
        }
    }
}
