using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Engine.Http;
using DicomTools.Engine.Upload.Protocols;

namespace DicomTools.Engine.Upload.Atomic
{
    /// <summary>
    /// Makes a multi-file request to Orthanc all-or-nothing after the fact: Orthanc stores what it can, so we note which
    /// instances it had before, verify its answer, and delete what this request added when any file failed.
    /// Instances are found by the ID Orthanc derives from each file's identifiers (<see cref="OrthancIds"/>).
    /// </summary>
    internal sealed class OrthancRollback
    {
        private readonly IUploadSender _sender;
        private readonly Uri _root;
        private readonly HashSet<string> _preexisting = new HashSet<string>(StringComparer.Ordinal);

        public OrthancRollback(IUploadSender sender, Uri endpoint)
        {
            _sender = sender;
            _root = OrthancIds.Root(endpoint);
        }

        /// <summary>
        /// Before the request: which instances exist already, so a rollback deletes only what this request added.
        /// False (and every file failed, nothing sent) when a file's identifiers cannot be read: it could not be found to roll back.
        /// </summary>
        public async Task<bool> PrepareAsync(IReadOnlyList<UploadResult> results, CancellationToken cancellationToken)
        {
            foreach (var id in results.Select(r => OrthancIds.InstanceId(r.File)))
            {
                if (id == null) continue;
                var probe = await _sender.SendAsync(new UploadRequest(HttpMethod.Get, new Uri(_root, "instances/" + id), "Check for Orthanc instance " + id)
                    { ReadsStatus = status => status == 404 }, cancellationToken).ConfigureAwait(false);
                if (probe.IsSuccess) _preexisting.Add(id);
            }
            var unreadable = results.FirstOrDefault(r => OrthancIds.InstanceId(r.File) == null);
            if (unreadable == null) return true;
            foreach (var r in results)
                r.Fail(UploadFailureReason.FileUnreadable, r == unreadable
                    ? "Not sent: its DICOM identifiers could not be read, so a rollback on Orthanc could not find it."
                    : $"Not sent: the atomic set includes '{unreadable.Path}', whose DICOM identifiers could not be read.");
            return false;
        }

        /// <summary>After a STOW-RS answer (which names no Orthanc ID): the ID of each stored file, and what Orthanc had already.</summary>
        public void NameStored(IReadOnlyList<UploadResult> results)
        {
            foreach (var r in results.Where(r => r.Status == UploadStatus.Stored))
            {
                r.ServerId = OrthancIds.InstanceId(r.File);
                if (r.ServerId != null && _preexisting.Contains(r.ServerId)) r.Status = UploadStatus.AlreadyStored;
            }
        }

        /// <summary>Deletes every instance of the set that this request stored; each file's message says what happened to it.</summary>
        public async Task RollBackAsync(IReadOnlyList<UploadResult> results, string summary)
        {
            foreach (var r in results)
            {
                var id = OrthancIds.InstanceId(r.File)!;
                var own = r.Message;
                var reason = r.FailureReason;
                var exception = r.GetException();
                if (_preexisting.Contains(id))
                {
                    r.Fail(reason, own + $"Atomic set failed: {summary}. Orthanc had this instance before the request, so it was left in place.", exception);
                    continue;
                }
                // Deleting by the derived ID also catches what Orthanc stored without listing it (a ZIP answered 400).
                // Not cancellable: a rollback half done on Ctrl+C would leave exactly the partial set -Atomic promises against.
                UploadExchange delete;
                try
                {
                    delete = await _sender.SendAsync(new UploadRequest(HttpMethod.Delete, new Uri(_root, "instances/" + id), "Rollback of Orthanc instance " + id)
                        { ReadsStatus = status => status == 404 }, CancellationToken.None).ConfigureAwait(false);
                }
                catch (DicomToolsHttpException ex)
                {
                    delete = new UploadExchange(ex.StatusCode ?? 0, ex.BodyExcerpt ?? ex.Message, ex.Attempts, ex);
                }
                if (delete.IsSuccess)
                {
                    r.RolledBack = true;
                    r.ServerId = id;
                    r.Fail(reason, own + $"Atomic set failed: {summary}. Rolled back: deleted /instances/{id} stored by this request.", exception);
                }
                else if (delete.StatusCode == 404)
                {
                    r.Fail(reason, own + $"Atomic set failed: {summary}. Not stored (nothing to roll back).", exception);
                }
                else
                {
                    r.ServerId = id;
                    r.Fail(reason, own + $"Atomic set failed: {summary}. ROLLBACK FAILED: DELETE /instances/{id} answered HTTP {delete.StatusCode}; Orthanc may still hold it.", exception);
                }
            }
        }
    }
}
