using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Dicom;
using DicomTools.Engine.Http;
using DicomTools.Engine.Metadata;
using DicomTools.Engine.Tagging;
using DicomTools.Engine.Upload;
using DicomTools.Engine.Upload.Protocols;

namespace DicomTools.Engine.Run
{
    /// <summary>What a run would do to one sample, found without changing anything anywhere.</summary>
    public sealed class SampleRunPreviewResult
    {
        internal SampleRunPreviewResult(string sampleId, int attemptNumber, string directory)
        {
            SampleId = sampleId; AttemptNumber = attemptNumber; Directory = directory;
        }

        public string SampleId { get; }
        public int AttemptNumber { get; }
        public string Directory { get; }
        public IReadOnlyList<string> Files { get; internal set; } = Array.Empty<string>();
        public long Bytes { get; internal set; }
        public SampleMetadata? Metadata { get; internal set; }
        public string? PatientId { get; internal set; }
        /// <summary>One dry-run outcome per file, in <see cref="Files"/> order (the same engine as Set-DicomTags -WhatIf).</summary>
        public IReadOnlyList<TagFileOutcome> TagOutcomes { get; internal set; } = Array.Empty<TagFileOutcome>();
        /// <summary>Why the real run would stop before uploading (no files, metadata refused, ...); null when it would get there.</summary>
        public string? Problem { get; internal set; }
        public Exception? Error { get; internal set; }
    }

    /// <summary>
    /// The dry run of <see cref="SampleRun"/> (Invoke-SampleUpload -WhatIf): the same file search, the same
    /// read-only metadata request, and the tagging plan applied with <see cref="TagFileUpdater"/> in dry-run mode,
    /// so each file's changes are computed exactly as the real run would make them. It never takes the directory
    /// lock, opens a log file, writes a temporary file, uploads or starts analytics.
    /// </summary>
    public static class SampleRunPreview
    {
        public static async Task<SampleRunPreviewResult> PreviewAsync(SampleRunRequest request, ISampleRunSteps steps,
            CharacterSetPolicy characterSetPolicy, CancellationToken cancellationToken)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            if (steps == null) throw new ArgumentNullException(nameof(steps));
            var preview = new SampleRunPreviewResult(request.SampleId, request.AttemptNumber, request.Directory);
            if (!System.IO.Directory.Exists(request.Directory))
            {
                preview.Problem = $"The folder '{request.Directory}' does not exist.";
                return preview;
            }
            preview.Files = SampleRun.FindDicomFiles(request.Directory);
            preview.Bytes = preview.Files.Sum(f => new FileInfo(f).Length);
            if (preview.Files.Count == 0)
            {
                preview.Problem = $"No DICOM files (*.dcm) found under '{request.Directory}'.";
                return preview;
            }

            SampleMetadata metadata;
            try
            {
                metadata = await steps.FetchMetadataAsync(request.SampleId, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                preview.Problem = $"Could not get the metadata of sample {request.SampleId}: {ex.Message}";
                preview.Error = ex;
                return preview;
            }
            preview.Metadata = metadata;

            SampleTagPlan plan;
            try
            {
                plan = SampleTagPlan.Create(metadata, request.AttemptNumber, null);
            }
            catch (Exception ex) when (ex is SampleMetadataException || ex is ArgumentException || ex is DicomValueException)
            {
                preview.Problem = $"The metadata of sample {request.SampleId} cannot be written into the files: {ex.Message}";
                preview.Error = ex;
                return preview;
            }
            preview.PatientId = plan.PatientIdValue;

            // Read-only: the dry run neither sweeps stale temporary files nor flushes anything.
            var updater = new TagFileUpdater(plan.Edits, characterSetPolicy, flushToDisk: false);
            preview.TagOutcomes = preview.Files
                .Select(f => updater.Update(new TagFileRequest(f, null, dryRun: true), cancellationToken))
                .ToList();
            var failed = preview.TagOutcomes.Where(o => o.Failure != null).ToList();
            if (failed.Count > 0)
                preview.Problem = $"{failed.Count} of {preview.Files.Count} file(s) could not be tagged: the real run would stop before uploading.";
            return preview;
        }

        /// <summary>"Upload 3 file(s) (1.2 MB) to http://host/api/upload with protocol Raw (one request per file, 4 at a time)".</summary>
        public static string DescribeUpload(int files, long bytes, Uri uploadUri, UploadProtocol protocol, bool atomic, int throttleLimit)
        {
            string how = protocol switch
            {
                UploadProtocol.Archive => atomic ? "all files in one all-or-nothing ZIP request" : "ZIP archives",
                UploadProtocol.StowRs => atomic ? "all files in one STOW-RS request" : "STOW-RS requests",
                UploadProtocol.Raw => $"one request per file, {throttleLimit} at a time",
                UploadProtocol.Dimse => $"DICOM C-STORE over {throttleLimit} association(s)",
                _ => $"{throttleLimit} at a time",
            };
            return $"Upload {files} file(s) ({bytes / 1048576.0:0.0} MB) to {DescribeTarget(uploadUri)} with protocol {protocol} ({how})";
        }

        /// <summary>
        /// An HTTP URL loses its user info (it can hold a password); a dicom:// URL keeps its AE titles, which are no secret
        /// and are what an admin checks against the archive's configuration.
        /// </summary>
        private static string DescribeTarget(Uri uploadUri)
        {
            if (!DimseArchiveUri.IsDimse(uploadUri) || DimseArchiveUri.Problem(uploadUri) != null) return UriRedaction.Redact(uploadUri);
            var archive = DimseArchiveUri.ToOptions(uploadUri);
            return $"dicom://{archive} (calling AE title {archive.CallingAETitle})";
        }
    }
}
