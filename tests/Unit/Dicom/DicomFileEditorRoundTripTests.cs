using System.Collections.Generic;
using System.IO;
using System.Linq;
using DicomTools.Dicom;
using DicomTools.Tests.Unit.Support;
using Xunit;
using static DicomTools.Tests.Unit.Dicom.DicomTestFiles;

namespace DicomTools.Tests.Unit.Dicom
{
    /// <summary>Edit, then compare dcmdump before and after: only the edited lines (and group lengths) may differ.</summary>
    public class DicomFileEditorRoundTripTests
    {
        private static readonly DicomEdit[] SampleEdits =
        {
            DicomEdit.Set(PatientName, "Rex^Tiny"),
            DicomEdit.Set(PatientId, "S-0001-001"),
            DicomEdit.Set(InstitutionName, "Clinic 7"),
            DicomEdit.Set(Species, "Canine"),
            DicomEdit.Set(Barcode, "BC-778899"),
        };

        public static IEnumerable<object[]> Syntaxes() => new[] { ImplicitLE, ExplicitLE, ExplicitBE, Deflated }.Select(s => new object[] { s });

        [RequiresToolTheory("dcmdump")]
        [MemberData(nameof(Syntaxes))]
        public void OnlyTheEditedLinesChange(string syntax)
        {
            using var t = new TempFolder();
            var path = Write(t, "a.dcm", Image(undefinedSequences: syntax != ExplicitBE), syntax);
            var before = Dump(path);
            var pixelsBefore = ReadPixelValue(path);

            var result = DicomFileEditor.Edit(path, SampleEdits, new DicomEditOptions { FlushToDisk = false });

            Assert.True(result.Written);
            Assert.Equal(5, result.Changes.Count);
            Assert.Equal("1.2.826.0.1.3680043.10.1234.99.1", result.SopInstanceUid);
            var diff = DiffDumps(before, Dump(path));
            Assert.Equal(new HashSet<string> { "(0008,0080)", "(0010,0010)", "(0010,0020)", "(0010,2201)", "(2200,0005)" }, TagsIn(diff));
            Assert.Contains(diff, l => l.StartsWith("+(0010,0010) PN [Rex^Tiny]"));
            Assert.Contains(diff, l => l.StartsWith("+(2200,0005) LT [BC-778899]"));
            Assert.Equal(pixelsBefore, ReadPixelValue(path));
            // dcmdump sorts what it reads, so check the file's own order: additions must land in tag order.
            var tags = DicomFileReader.ReadElements(path).Select(e => e.Tag).ToList();
            Assert.Equal(tags.OrderBy(x => x), tags);
            Assert.Empty(Directory.GetFiles(t.Path, "*.tmp"));

            // The same edit again changes nothing and writes nothing.
            var stamp = File.GetLastWriteTimeUtc(path);
            var bytes = File.ReadAllBytes(path);
            var again = DicomFileEditor.Edit(path, SampleEdits);
            Assert.False(again.Written);
            Assert.Empty(again.Changes);
            Assert.Equal(bytes, File.ReadAllBytes(path));
            Assert.Equal(stamp, File.GetLastWriteTimeUtc(path));
        }

        internal static string ReadPixelValue(string path) =>
            string.Join("\n", Dump(path, "+P", "7fe0,0010", "+U8"));
    }
}
