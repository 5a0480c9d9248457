using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace DicomTools.Dicom.Network
{
    /// <summary>The outcome of one file in a batch: a DIMSE answer, or the error that kept it from being stored.</summary>
    public sealed class DicomFileStoreOutcome
    {
        internal DicomFileStoreOutcome(string path, DicomStoreSource? source, DicomStoreResult? result, Exception? error, bool sent)
        { Path = path; Source = source; Result = result; Error = error; Sent = sent; }
        /// <summary>The file.</summary>
        public string Path { get; }
        /// <summary>Null when the file could not be read.</summary>
        public DicomStoreSource? Source { get; }
        /// <summary>The peer's answer; null when the file was not sent or no answer came.</summary>
        public DicomStoreResult? Result { get; }
        /// <summary>Why there is no (successful) answer: unreadable file, no accepted context, lost association...</summary>
        public Exception? Error { get; }
        /// <summary>False when nothing of the file reached the peer (safe to send again without a duplicate).</summary>
        public bool Sent { get; }
        /// <summary>True when the peer answered with success or a warning.</summary>
        public bool IsStored => Result != null && Result.IsStored;
        /// <summary>Worth trying again on a new association: A7xx, or an association-level failure the peer may not repeat.</summary>
        public bool IsRetryable => Result != null ? Result.IsRetryable : Error is DicomNetworkException n && n.IsTransient;
    }

    /// <summary>
    /// Sends many files over one association (one client per worker): reads each file's identity, proposes the contexts
    /// those files need, stores them one after another, releases. A file-level problem (unreadable, no accepted context,
    /// a failure status) is that file's outcome; an association-level one (abort, timeout, lost connection) ends the batch
    /// and every file not yet answered is reported with that error and <see cref="DicomFileStoreOutcome.Sent"/> telling
    /// whether any of it left.
    /// </summary>
    public sealed class DicomStoreClient
    {
        private readonly DicomAssociationOptions _options;

        /// <summary>A client for the archive in <paramref name="options"/>.</summary>
        public DicomStoreClient(DicomAssociationOptions options) { _options = options ?? throw new ArgumentNullException(nameof(options)); }

        /// <summary>Stores <paramref name="paths"/> in order; <paramref name="onOutcome"/> sees each outcome as it happens (from the sending task).</summary>
        public async Task<IReadOnlyList<DicomFileStoreOutcome>> SendAsync(IEnumerable<string> paths, Action<DicomFileStoreOutcome>? onOutcome, CancellationToken cancellationToken)
        {
            var outcomes = new List<DicomFileStoreOutcome>();
            void Report(DicomFileStoreOutcome o) { outcomes.Add(o); onOutcome?.Invoke(o); }

            var sources = new List<DicomStoreSource>();
            foreach (var path in paths)
            {
                try { sources.Add(DicomStoreSource.FromFile(path)); }
                catch (Exception ex) when (ex is DicomFormatException || ex is IOException || ex is UnauthorizedAccessException)
                { Report(new DicomFileStoreOutcome(path, null, null, ex, false)); }
            }
            if (sources.Count == 0) return outcomes;

            var contexts = DicomPresentationContext.ForFiles(sources.Select(s => (s.SopClassUid, s.TransferSyntaxUid)), includeVerification: false);
            DicomAssociation association;
            try { association = await DicomAssociation.OpenAsync(_options, contexts, cancellationToken).ConfigureAwait(false); }
            catch (DicomNetworkException ex)
            {
                foreach (var s in sources) Report(new DicomFileStoreOutcome(s.Path!, s, null, ex, false));
                return outcomes;
            }
            using (association)
            {
                var index = 0;
                try
                {
                    for (; index < sources.Count; index++)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        var source = sources[index];
                        try
                        {
                            var result = await association.StoreAsync(source, cancellationToken).ConfigureAwait(false);
                            Report(new DicomFileStoreOutcome(source.Path!, source, result, null, true));
                        }
                        catch (DicomNoAcceptedContextException ex) { Report(new DicomFileStoreOutcome(source.Path!, source, null, ex, false)); }
                    }
                    await association.ReleaseAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is DicomNetworkException || ex is DicomFormatException || ex is IOException)
                {
                    // The file in flight may have reached the peer; the ones after it did not. A file found damaged while
                    // it was transcoded is its own failure; the others only lost the association it took down with it.
                    var rest = ex is DicomNetworkException ? ex
                        : new DicomNetworkException(DicomNetworkFailure.Aborted, "Not sent: the association was aborted when '" + sources[index] + "' turned out unreadable while it was being sent (" + ex.Message + ").", true, ex);
                    for (var i = index; i < sources.Count; i++)
                        Report(new DicomFileStoreOutcome(sources[i].Path!, sources[i], null, i == index ? ex : rest, i == index));
                }
            }
            return outcomes;
        }
    }
}
