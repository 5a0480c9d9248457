using System;
using System.Collections.Generic;
using System.IO;
using DicomTools.Engine.Upload;

namespace DicomTools.Tests.Unit.Upload
{
    /// <summary>A temporary folder of files with known bytes; deleted on dispose.</summary>
    internal sealed class UploadTestFiles : IDisposable
    {
        public UploadTestFiles() { Directory.CreateDirectory(Root); }

        public string Root { get; } = Path.Combine(Path.GetTempPath(), "dicomtools-upload-" + Guid.NewGuid().ToString("N"));

        /// <summary>A file of <paramref name="length"/> pseudo-random bytes, seeded so failures reproduce.</summary>
        public UploadFile Add(string name, int length, string? sopInstanceUid = null, int seed = 1)
        {
            var bytes = new byte[length];
            new Random(seed).NextBytes(bytes);
            var path = Path.Combine(Root, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, bytes);
            return new UploadFile(path, length, sopInstanceUid)
            {
                StudyInstanceUid = "1.2.3", SeriesInstanceUid = "1.2.3.4", PatientId = "PID",
            };
        }

        public IReadOnlyList<UploadFile> AddMany(int count, int length = 1000)
        {
            var files = new List<UploadFile>();
            for (var i = 0; i < count; i++) files.Add(Add($"f{i:D3}.dcm", length + i, "1.2.3.4." + (i + 1), seed: i));
            return files;
        }

        public void Dispose()
        {
            try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
        }
    }
}
