using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CsCheck;
using DicomTools.Dicom;
using Xunit;
using static DicomTools.Tests.Unit.Dicom.DicomTestFiles;

namespace DicomTools.Tests.Unit.Dicom
{
    /// <summary>
    /// Issue 9's property proof: for random valid datasets (random tags in order, VRs, values, nested sequences, four
    /// transfer syntaxes), an edit then a read gives the new values and every other element's bytes unchanged; random
    /// truncations and mutations of a valid file give only our exceptions, and a refused file is left byte-identical.
    /// Iteration counts are bounded so the suite stays fast; CsCheck prints the seed of any failure to replay it.
    /// </summary>
    public class DicomCodecPropertyTests
    {
        private static readonly string[] Syntaxes = { ImplicitLE, ExplicitLE, ExplicitBE, Deflated };

        /// <summary>Registered elements of every kind of VR we set from text (group 0008 onward, never File Meta).</summary>
        private static readonly (DicomTag Tag, string VR)[] Pool =
            new[]
            {
                ("AccessionNumber", "SH"), ("Modality", "CS"), ("StudyDate", "DA"), ("StudyTime", "TM"), ("InstitutionName", "LO"),
                ("ReferringPhysicianName", "PN"), ("StationName", "SH"), ("StudyDescription", "LO"), ("PatientName", "PN"),
                ("PatientID", "LO"), ("PatientBirthDate", "DA"), ("PatientAge", "AS"), ("PatientWeight", "DS"), ("PatientComments", "LT"),
                ("SeriesNumber", "IS"), ("InstanceNumber", "IS"), ("StudyInstanceUID", "UI"), ("SeriesInstanceUID", "UI"),
                ("Rows", "US"), ("Columns", "US"), ("BitsAllocated", "US"), ("AcquisitionDateTime", "DT"), ("ImageComments", "LT"),
            }
            .Select(p => (DicomDictionary.TryResolve(p.Item1, out var tag) ? tag : throw new InvalidOperationException(p.Item1), p.Item2))
            .OrderBy(p => p.Item1)
            .ToArray();

        private static string ValueFor(string vr, Random r)
        {
            string Digits(int n) => new string(Enumerable.Range(0, n).Select(_ => (char)('0' + r.Next(10))).ToArray());
            string Word(int max) => new string(Enumerable.Range(0, 1 + r.Next(max)).Select(_ => (char)('A' + r.Next(26))).ToArray());
            switch (vr)
            {
                case "CS": return Word(10);
                case "DA": return (1950 + r.Next(70)).ToString() + (1 + r.Next(12)).ToString("00") + (1 + r.Next(28)).ToString("00");
                case "TM": return r.Next(24).ToString("00") + r.Next(60).ToString("00") + r.Next(60).ToString("00");
                case "DT": return "2024" + (1 + r.Next(12)).ToString("00") + (1 + r.Next(28)).ToString("00") + r.Next(24).ToString("00");
                case "AS": return Digits(3) + "DWMY"[r.Next(4)];
                case "DS": return (r.Next(-5000, 5000) / 10.0).ToString(System.Globalization.CultureInfo.InvariantCulture);
                case "IS": return r.Next(-100000, 100000).ToString();
                case "UI": return "1.2.826.0.1." + (1 + r.Next(9999)) + "." + (1 + r.Next(9999));
                case "US": return r.Next(65536).ToString();
                case "PN": return Word(12) + "^" + Word(10);
                case "LT": return Word(40) + " " + Word(40);
                default: return Word(14);
            }
        }

        private static DicomDatasetBuilder RandomItem(Random r, int depth)
        {
            var item = new DicomDatasetBuilder()
                .Add(new DicomTag(0x0008, 0x0100), "SH", ValueFor("SH", r))
                .Add(new DicomTag(0x0008, 0x0104), "LO", ValueFor("LO", r));
            if (depth < 2 && r.Next(3) == 0)
                item.AddSequence(new DicomTag(0x0040, 0xA043), Enumerable.Range(0, 1 + r.Next(2)).Select(_ => RandomItem(r, depth + 1)).ToList(), r.Next(2) == 0);
            return item;
        }

        /// <summary>A random valid dataset: a random subset of the pool in tag order, maybe a sequence, maybe pixel data.</summary>
        private static (DicomDatasetBuilder Builder, List<(DicomTag Tag, string VR)> Elements) RandomDataset(Random r)
        {
            var b = new DicomDatasetBuilder()
                .Add(new DicomTag(0x0008, 0x0016), "UI", SecondaryCapture)
                .Add(DicomTag.SopInstanceUid, "UI", "1.2.826.0.1.3680043.10." + r.Next(1, 100000));
            var chosen = new List<(DicomTag, string)>();
            var sequenceAdded = false;
            foreach (var (tag, vr) in Pool)
            {
                if (!sequenceAdded && tag > new DicomTag(0x0008, 0x1140))
                {
                    sequenceAdded = true;
                    if (r.Next(2) == 0)
                        b.AddSequence(new DicomTag(0x0008, 0x1140), Enumerable.Range(0, 1 + r.Next(3)).Select(_ => RandomItem(r, 0)).ToList(), r.Next(2) == 0);
                }
                if (r.Next(3) == 0) continue;
                b.Add(tag, vr, ValueFor(vr, r));
                chosen.Add((tag, vr));
            }
            if (r.Next(2) == 0) b.AddBinary(DicomTag.PixelData, "OW", Enumerable.Range(0, 2 * r.Next(1, 64)).Select(i => (byte)r.Next(256)).ToArray());
            return (b, chosen);
        }

        private static Dictionary<string, DicomElementInfo> Elements(string path) =>
            DicomFileReader.ReadElements(path, new DicomReadOptions { IncludeSequences = true, IncludeBinaryValues = true, IncludeFileMeta = false })
                .ToDictionary(e => e.Path);

        [Fact]
        public void EditThenReadGivesTheNewValuesAndLeavesEveryOtherElementAsItWas()
        {
            Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[0, Syntaxes.Length - 1]).Sample((seed, syntaxIndex) =>
            {
                var r = new Random(seed);
                var (builder, chosen) = RandomDataset(r);
                using var t = new TempFolder();
                var path = Write(t, "p.dcm", builder, Syntaxes[syntaxIndex]);
                var before = Elements(path);

                // Change up to three elements (new or existing), and remove one sometimes.
                var edits = new Dictionary<DicomTag, DicomEdit>();
                for (var i = 0; i < 1 + r.Next(3); i++)
                {
                    var (tag, vr) = Pool[r.Next(Pool.Length)];
                    edits[tag] = DicomEdit.Set(tag, ValueFor(vr, r));
                }
                if (chosen.Count > 0 && r.Next(3) == 0)
                {
                    var removed = chosen[r.Next(chosen.Count)].Tag;
                    edits[removed] = DicomEdit.Remove(removed);
                }
                DicomFileEditor.Edit(path, edits.Values.ToList(), new DicomEditOptions { FlushToDisk = false });
                var after = Elements(path);

                foreach (var edit in edits.Values)
                {
                    var key = edit.Tag.ToString();
                    if (edit.IsRemove) Assert.False(after.ContainsKey(key), key + " was removed");
                    else Assert.Equal(edit.Value, after[key].Value);
                }
                foreach (var (key, old) in before)
                {
                    if (edits.Keys.Any(tag => tag.ToString() == key)) continue;
                    Assert.True(after.ContainsKey(key), key + " is kept");
                    Assert.Equal(old.VR, after[key].VR);
                    Assert.Equal(old.Length, after[key].Length);
                    Assert.Equal(old.GetBytesOrNull(), after[key].GetBytesOrNull());
                }
                Assert.Equal(before.Keys.Count(k => !edits.Keys.Any(tag => tag.ToString() == k)), after.Keys.Count(k => !edits.Keys.Any(tag => tag.ToString() == k)));
            }, iter: 60, threads: 1);
        }

        [Fact]
        public void TruncatedOrMutatedFilesGiveOnlyOurErrorsAndARefusedFileIsUntouched()
        {
            using var t = new TempFolder();
            var originals = Syntaxes.Select(s => File.ReadAllBytes(Write(t, "o" + s + ".dcm", Image(undefinedSequences: s != ExplicitBE), s))).ToArray();
            Gen.Select(Gen.Int[0, originals.Length - 1], Gen.Int[0, int.MaxValue], Gen.Int[0, 3]).Sample((which, seed, kind) =>
            {
                var r = new Random(seed);
                var bytes = (byte[])originals[which].Clone();
                switch (kind)
                {
                    case 0: Array.Resize(ref bytes, r.Next(bytes.Length)); break; // truncation
                    case 1: for (var i = 0; i < 1 + r.Next(4); i++) bytes[r.Next(bytes.Length)] ^= (byte)(1 << r.Next(8)); break; // bit flips
                    case 2: // a length or tag overwritten with an extreme value
                    {
                        var at = r.Next(bytes.Length - 4);
                        var v = new[] { 0xFFFFFFFFu, 0x7FFFFFFFu, 0u, 0xFFFEE000u, 0xFFFEE0DDu, (uint)r.Next() }[r.Next(6)];
                        BitConverter.GetBytes(v).CopyTo(bytes, at);
                        break;
                    }
                    default: // a run of bytes copied over another place (duplicated headers, misplaced items)
                    {
                        var from = r.Next(bytes.Length - 16);
                        var to = r.Next(bytes.Length - 16);
                        Array.Copy(bytes, from, bytes, to, 1 + r.Next(16));
                        break;
                    }
                }
                using var f = new TempFolder();
                var path = f.File("m.dcm");
                File.WriteAllBytes(path, bytes);
                try { DicomFileReader.ReadElements(path, new DicomReadOptions { IncludeSequences = true, IncludeBinaryValues = true }).ToList(); }
                catch (DicomFormatException) { }
                catch (DicomValueException) { }
                try
                {
                    DicomFileEditor.Edit(path, new[] { DicomEdit.Set(PatientName, "Prop^Test"), DicomEdit.Set(DicomTagPath.Parse("(0008,1140)[0].(0008,1155)"), "1.2.3.9") },
                        new DicomEditOptions { FlushToDisk = false });
                }
                catch (Exception ex) when (ex is DicomFormatException || ex is DicomValueException)
                {
                    Assert.Equal(bytes, File.ReadAllBytes(path));
                }
                Assert.Single(Directory.GetFiles(f.Path));
            }, iter: 400, threads: 1);
        }
    }

    internal static class DicomElementInfoTestExtensions
    {
        public static byte[]? GetBytesOrNull(this DicomElementInfo e)
        {
            try { return e.GetBytes(); }
            catch (InvalidOperationException) { return null; }
        }
    }
}
