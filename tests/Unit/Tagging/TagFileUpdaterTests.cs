using System;
using System.IO;
using System.Linq;
using DicomTools.Dicom;
using DicomTools.Engine.Metadata;
using DicomTools.Engine.Tagging;
using Xunit;

namespace DicomTools.Tests.Unit.Tagging
{
    /// <summary>The per-file step against the real codec: outcomes, failure kinds, and files left as they were.</summary>
    public sealed class TagFileUpdaterTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dt-updater-" + Guid.NewGuid().ToString("N"));

        public TagFileUpdaterTests() => Directory.CreateDirectory(_folder);

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private static readonly SampleMetadata Sample = new SampleMetadata
        {
            SampleId = "S1", PatientName = "Bella^Smith", Species = "Feline", TestType = "CBC", ClinicName = "Northside",
        };

        private string NewFile(string name)
        {
            var path = Path.Combine(_folder, name);
            var d = new DicomDatasetBuilder()
                .Add(new DicomTag(0x0008, 0x0016), "UI", "1.2.840.10008.5.1.4.1.1.7")
                .Add(new DicomTag(0x0008, 0x0018), "UI", "1.2.3.4.5")
                .Add(new DicomTag(0x0010, 0x0010), "PN", "Rex^Garcia")
                .Add(new DicomTag(0x0010, 0x0020), "LO", "P1")
                .AddBinary(DicomTag.PixelData, "OW", new byte[64]);
            DicomFileWriter.Write(path, d, "1.2.840.10008.1.2.1");
            return path;
        }

        private static TagFileUpdater Updater(CharacterSetPolicy policy = CharacterSetPolicy.ConvertToUtf8) =>
            new TagFileUpdater(SampleTagPlan.Create(Sample, 1, null).Edits, policy, flushToDisk: false);

        private void AssertNoTemporaryFiles() =>
            Assert.Equal(new string[0], Directory.GetFiles(_folder, "*", SearchOption.AllDirectories).Where(f => f.EndsWith(".tmp", StringComparison.OrdinalIgnoreCase)).ToArray());

        [Fact]
        public void UpdatesInPlaceThenFindsNothingToChange()
        {
            var file = NewFile("a.dcm");
            var first = Updater().Update(new TagFileRequest(file));
            Assert.True(first.Succeeded);
            Assert.True(first.Written);
            Assert.Equal("1.2.3.4.5", first.SopInstanceUid);
            Assert.Equal(5, first.Changes.Count);
            Assert.Equal("Rex^Garcia", first.Changes.Single(c => c.Tag == SampleTagPlan.PatientName).OldValue);
            Assert.Null(first.Changes.Single(c => c.Tag == SampleTagPlan.BarcodeValue).OldValue);

            var bytes = File.ReadAllBytes(file);
            var second = Updater().Update(new TagFileRequest(file));
            Assert.True(second.Succeeded);
            Assert.False(second.Written);
            Assert.Empty(second.Changes);
            Assert.Equal(bytes, File.ReadAllBytes(file));
        }

        [Fact]
        public void ADryRunListsTheChangesAndWritesNothing()
        {
            var file = NewFile("a.dcm");
            var before = File.ReadAllBytes(file);
            var outcome = Updater().Update(new TagFileRequest(file, dryRun: true));
            Assert.True(outcome.DryRun);
            Assert.False(outcome.Written);
            Assert.Equal(5, outcome.Changes.Count);
            Assert.Equal(before, File.ReadAllBytes(file));
        }

        [Fact]
        public void ADestinationGetsTheEditedCopyOrAnExactCopyWhenNothingChanges()
        {
            var file = NewFile("a.dcm");
            var before = File.ReadAllBytes(file);
            var copy = Path.Combine(_folder, "out", "series", "a.dcm");
            var edited = Updater().Update(new TagFileRequest(file, copy));
            Assert.Equal(copy, edited.OutputPath);
            Assert.Equal(before, File.ReadAllBytes(file));
            Assert.Equal(5, edited.Changes.Count);

            var tagged = Path.Combine(_folder, "out", "series", "a.dcm");
            var again = Path.Combine(_folder, "out2", "a.dcm");
            var unchanged = Updater().Update(new TagFileRequest(tagged, again));
            Assert.Empty(unchanged.Changes);
            Assert.True(unchanged.Written);
            Assert.Equal(File.ReadAllBytes(tagged), File.ReadAllBytes(again));
            AssertNoTemporaryFiles();
        }

        [Fact]
        public void ANonDicomFileFailsWithItsOffsetAndStaysByteIdentical()
        {
            var file = Path.Combine(_folder, "notes.dcm");
            File.WriteAllText(file, "not a DICOM file at all, just some text that is long enough to be read");
            var before = File.ReadAllBytes(file);
            var outcome = Updater().Update(new TagFileRequest(file));
            Assert.False(outcome.Succeeded);
            Assert.Equal(TagFailureKind.InvalidDicomFile, outcome.Failure!.Kind);
            Assert.NotNull(outcome.Failure.Offset);
            Assert.Contains("notes.dcm", outcome.Failure.Message);
            Assert.Contains("left unchanged", outcome.Failure.Message);
            Assert.Equal(before, File.ReadAllBytes(file));
            AssertNoTemporaryFiles();
        }

        [Fact]
        public void ATruncatedFileFailsAndStaysByteIdentical()
        {
            var full = File.ReadAllBytes(NewFile("full.dcm"));
            var file = Path.Combine(_folder, "cut.dcm");
            // Cut inside the elements the edit reads.
            File.WriteAllBytes(file, full.Take(200).ToArray());
            var before = File.ReadAllBytes(file);
            var outcome = Updater().Update(new TagFileRequest(file));
            Assert.Equal(TagFailureKind.InvalidDicomFile, outcome.Failure?.Kind);
            Assert.Equal(before, File.ReadAllBytes(file));
            AssertNoTemporaryFiles();
        }

        [Fact]
        public void AFileCutInsideItsPixelDataFailsAndStaysByteIdentical()
        {
            var full = File.ReadAllBytes(NewFile("full.dcm"));
            var file = Path.Combine(_folder, "cut-pixels.dcm");
            File.WriteAllBytes(file, full.Take(full.Length - 40).ToArray());
            var before = File.ReadAllBytes(file);
            var outcome = Updater().Update(new TagFileRequest(file));
            Assert.Equal(TagFailureKind.InvalidDicomFile, outcome.Failure?.Kind);
            Assert.Equal(before, File.ReadAllBytes(file));
            AssertNoTemporaryFiles();
        }

        [Fact]
        public void AValueTheVRRefusesFailsTheFileNamingTheTag()
        {
            var file = NewFile("a.dcm");
            var before = File.ReadAllBytes(file);
            var updater = new TagFileUpdater(new[] { DicomEdit.Set(SampleTagPlan.InstitutionName, new string('x', 65), "LO") }, CharacterSetPolicy.ConvertToUtf8, false);
            var outcome = updater.Update(new TagFileRequest(file));
            Assert.Equal(TagFailureKind.InvalidTagValue, outcome.Failure?.Kind);
            Assert.Contains("(0008,0080)", outcome.Failure!.Message);
            Assert.Equal(before, File.ReadAllBytes(file));
        }

        [Fact]
        public void UnderTheRefusePolicyTextOutsideTheCharacterSetFailsTheFile()
        {
            var file = NewFile("a.dcm");
            var before = File.ReadAllBytes(file);
            var updater = new TagFileUpdater(new[] { DicomEdit.Set(SampleTagPlan.InstitutionName, "Clínica São João", "LO") }, CharacterSetPolicy.Refuse, false);
            var outcome = updater.Update(new TagFileRequest(file));
            Assert.Equal(TagFailureKind.InvalidTagValue, outcome.Failure?.Kind);
            Assert.IsType<DicomCharacterSetException>(outcome.Failure!.Exception);
            Assert.Equal(before, File.ReadAllBytes(file));
        }

        [Fact]
        public void FoldersAndMissingFilesAreReportedNotThrown()
        {
            Assert.Equal(TagFailureKind.IsDirectory, Updater().Update(new TagFileRequest(_folder)).Failure?.Kind);
            var missing = Updater().Update(new TagFileRequest(Path.Combine(_folder, "gone.dcm")));
            Assert.Equal(TagFailureKind.NotFound, missing.Failure?.Kind);
            Assert.Contains("gone.dcm", missing.Failure!.Message);
        }

        [Fact]
        public void APresetFailureIsReportedWithoutTouchingTheFile()
        {
            var file = NewFile("a.dcm");
            var before = File.ReadAllBytes(file);
            var preset = new TagFileFailure(TagFailureKind.InvalidDestination, "outside", new ArgumentException("outside"));
            var outcome = Updater().Update(new TagFileRequest(file, Path.Combine(_folder, "x.dcm"), failure: preset));
            Assert.Same(preset, outcome.Failure);
            Assert.Equal(before, File.ReadAllBytes(file));
            Assert.False(File.Exists(Path.Combine(_folder, "x.dcm")));
        }
    }
}
