using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace DicomTools.Engine.Upload.Protocols
{
    /// <summary>The files of one request, their results (to be filled in), and the byte counter for progress.</summary>
    internal sealed class UploadBatch
    {
        private readonly UploadProgress _progress;
        private long _counted;

        public UploadBatch(IReadOnlyList<UploadResult> results, UploadProgress progress)
        {
            Results = results;
            Files = results.Select(r => r.File).ToArray();
            _progress = progress;
        }

        public IReadOnlyList<UploadResult> Results { get; }
        public IReadOnlyList<UploadFile> Files { get; }

        /// <summary>"'x.dcm'" or "5 files", for request names and messages.</summary>
        public string Describe() => Results.Count == 1 ? "'" + System.IO.Path.GetFileName(Results[0].Path) + "'" : Results.Count + " files";

        /// <summary>
        /// A byte counter for one attempt of the request: body bytes go into the shared progress, and a retry takes
        /// back what the failed attempt counted.
        /// </summary>
        public Action<long> StartAttempt()
        {
            var previous = Interlocked.Exchange(ref _counted, 0);
            if (previous != 0) _progress.AddSent(-previous);
            return bytes => { Interlocked.Add(ref _counted, bytes); _progress.AddSent(bytes); };
        }
    }
}
