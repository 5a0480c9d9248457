using System;
using System.IO;
using System.Linq;
using DicomTools.Dicom;
using SharpFuzz;

namespace DicomTools.Fuzz
{
    /// <summary>
    /// AFL++ targets for the codec. <c>read</c>: ReadElements over a MemoryStream (every element, into sequences, with
    /// binary values). <c>edit</c>: an edit of a temporary copy; a refused file must be byte-identical afterwards.
    /// Anything but DicomFormatException/DicomValueException, a changed refused file, or more than
    /// <see cref="AllocationBudget"/> bytes allocated for one input is a crash for AFL.
    /// <c>--write-corpus DIR</c> writes the seed files (small valid files of each transfer syntax).
    /// </summary>
    internal static class Program
    {
        private const long AllocationBudget = 256L * 1024 * 1024;

        private static int Main(string[] args)
        {
            if (args.Length == 2 && args[0] == "--write-corpus")
            {
                SeedCorpus.Write(args[1]);
                return 0;
            }
            var target = args.Length > 0 ? args[0] : "read";
            if (target != "read" && target != "edit")
            {
                Console.Error.WriteLine("usage: DicomTools.Fuzz read|edit | --write-corpus DIR");
                return 2;
            }
            var work = Path.Combine(Path.GetTempPath(), "dicomtools-fuzz-" + Environment.ProcessId);
            Directory.CreateDirectory(work);
            Fuzzer.OutOfProcess.Run(stream =>
            {
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                var data = copy.ToArray();
                var before = GC.GetAllocatedBytesForCurrentThread();
                if (target == "read") Read(data);
                else Edit(data, Path.Combine(work, "input.dcm"));
                var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                if (allocated > AllocationBudget) throw new InsufficientExecutionStackException("over budget: " + allocated + " bytes allocated for a " + data.Length + "-byte input");
            });
            return 0;
        }

        private static void Read(byte[] data)
        {
            try
            {
                DicomFileReader.ReadElements(new MemoryStream(data, false), new DicomReadOptions { IncludeSequences = true, IncludeBinaryValues = true }).Count();
            }
            catch (DicomFormatException) { }
            catch (DicomValueException) { }
        }

        private static void Edit(byte[] data, string path)
        {
            File.WriteAllBytes(path, data);
            try
            {
                DicomFileEditor.Edit(path, new[]
                {
                    DicomEdit.Set(DicomTags.PatientName, "Fuzz^Ωmega"),
                    DicomEdit.Set(DicomTagPath.Parse("(0008,1140)[0].(0008,1155)"), "1.2.3.4"),
                }, new DicomEditOptions { FlushToDisk = false });
            }
            catch (Exception ex) when (ex is DicomFormatException || ex is DicomValueException)
            {
                if (!File.ReadAllBytes(path).AsSpan().SequenceEqual(data))
                    throw new InvalidOperationException("A refused file was changed: " + ex.Message);
            }
            foreach (var leftover in Directory.GetFiles(Path.GetDirectoryName(path)!))
                if (leftover != path) throw new InvalidOperationException("A temporary file was left: " + leftover);
        }
    }
}
