using System;
using System.Collections.Generic;
using Microsoft.Extensions.Logging;

namespace DicomTools.Engine.Upload
{
    /// <summary>How files travel to the server.</summary>
    public enum UploadProtocol
    {
        /// <summary>One POST per file, the file's bytes as the body (the original script's contract, Orthanc's /instances).</summary>
        Raw = 0,
        /// <summary>DICOMweb STOW-RS: multipart/related; type="application/dicom", -BatchSize files per request.</summary>
        StowRs = 1,
        /// <summary>Every file in one ZIP, one request.</summary>
        Archive = 2,
        /// <summary>DICOM C-STORE (PS3.7) over -ThrottleLimit associations, each carrying many files.</summary>
        Dimse = 3,
    }

    /// <summary>What the server at the other end promises for a request that carries many files.</summary>
    public enum UploadServerKind
    {
        /// <summary>Ask the server: an Orthanc answers GET /system with its ApiVersion.</summary>
        Auto = 0,
        /// <summary>Orthanc: stores what it can, so -Atomic verifies the answer and deletes what this request stored.</summary>
        Orthanc = 1,
        /// <summary>A server whose multi-file endpoint stores all files or none (the reference lab server's archive endpoint).</summary>
        AllOrNothing = 2,
    }

    /// <summary>What happened to one file.</summary>
    public enum UploadStatus
    {
        Stored = 0,
        /// <summary>The server already had this instance (same PatientID + study/series/SOP UIDs) and kept its copy.</summary>
        AlreadyStored = 1,
        Failed = 2,
        /// <summary>-WhatIf: nothing was sent.</summary>
        WhatIf = 3,
        /// <summary>
        /// Not sent, for the reason in the result's Message: its input was not fit to send (a failed Set-DicomTags
        /// result), the server refused the credential for an earlier request, or the run was cancelled first.
        /// </summary>
        NotSent = 4,
    }

    /// <summary>One file to upload.</summary>
    public sealed class UploadFile
    {
        public UploadFile(string path, long length, string? sopInstanceUid = null)
        {
            Path = path ?? throw new ArgumentNullException(nameof(path));
            Length = length;
            SopInstanceUid = sopInstanceUid;
        }

        public string Path { get; }
        public long Length { get; }
        /// <summary>From the file (the codec's summary) when it could be read; used to match per-file answers.</summary>
        public string? SopInstanceUid { get; set; }
        public string? StudyInstanceUid { get; set; }
        public string? SeriesInstanceUid { get; set; }
        public string? PatientId { get; set; }

        /// <summary>
        /// Reads the file's identifiers (header only) where the caller did not give them: per-file answers of STOW-RS and
        /// Orthanc are matched by them, and a result names its instance. A file that cannot be read keeps them null (it is
        /// still sent, or reported as unreadable, by its protocol).
        /// </summary>
        internal void ReadIdentifiers(ILogger log)
        {
            if (SopInstanceUid != null && StudyInstanceUid != null) return;
            try
            {
                var summary = DicomTools.Dicom.DicomFileReader.ReadSummary(Path);
                SopInstanceUid ??= summary.SopInstanceUid;
                StudyInstanceUid ??= summary.StudyInstanceUid;
                SeriesInstanceUid ??= summary.SeriesInstanceUid;
                PatientId ??= summary.PatientId;
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                log.LogDebug("Could not read the DICOM identifiers of {Path}: {Message}", Path, ex.Message);
            }
        }
    }

    /// <summary>Why a file failed, in the terms an error record needs.</summary>
    public enum UploadFailureReason
    {
        None = 0,
        /// <summary>The HTTP exchange failed (status, connection, timeout): see <see cref="UploadResult.GetException"/>.</summary>
        Transport = 1,
        /// <summary>The server answered but did not list this file as stored.</summary>
        RejectedByServer = 2,
        /// <summary>The file could not be read from disk.</summary>
        FileUnreadable = 3,
        /// <summary>-Atomic: another file of the set failed, so this one is not (or no longer) stored.</summary>
        AtomicSetFailed = 4,
        /// <summary>The request was cancelled (Ctrl+C).</summary>
        Cancelled = 5,
        /// <summary>The options cannot work against this server (e.g. -Atomic STOW-RS to a server that cannot roll back).</summary>
        Unsupported = 6,
        /// <summary>The server refused the credential (HTTP 401/403): the files not yet sent are not sent at all.</summary>
        NotAuthorized = 7,
        /// <summary>Not sent: an earlier request's credential was refused, and sending more would only be refused too.</summary>
        StoppedAfterRefusal = 8,
        /// <summary>Not sent: the caller judged the input unfit (e.g. Set-DicomTags failed on it, so it lacks its new tags).</summary>
        InputNotReady = 9,
    }

    /// <summary>Everything the upload scheduler needs besides the sender.</summary>
    public sealed class UploadOptions
    {
        public UploadOptions(Uri endpoint) { Endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint)); }

        public Uri Endpoint { get; }
        public UploadProtocol Protocol { get; set; } = UploadProtocol.Raw;
        /// <summary>Content-Type of a Raw body and of each STOW-RS part.</summary>
        public string ContentType { get; set; } = "application/dicom";
        /// <summary>
        /// Files per STOW-RS request unless the caller says otherwise. Small, so that ThrottleLimit requests stay in
        /// flight until the last few files: Orthanc stores a request's parts one after another, so a run's tail (the
        /// requests left when fewer remain than workers) leaves the server's cores idle for up to (ThrottleLimit - 1) x
        /// BatchSize files; 300 files in batches of 50 spent a third of the run at half the concurrency. Ten files of a
        /// typical size (0.5 MB) still make a request large enough that its own cost (a connection, one JSON answer) is
        /// noise, and a failed request re-sends ten files, not fifty.
        /// </summary>
        public const int DefaultBatchSize = 10;

        /// <summary>Files per STOW-RS request (ignored by -Atomic, which sends all in one).</summary>
        public int BatchSize { get; set; } = DefaultBatchSize;
        public int ThrottleLimit { get; set; } = 4;
        public bool Atomic { get; set; }
        public UploadServerKind ServerKind { get; set; } = UploadServerKind.Auto;
        /// <summary>-Protocol Dimse: the archive (host, port, AE titles, timeouts); <see cref="Endpoint"/> is then its dicom:// form.</summary>
        public DicomTools.Dicom.Network.DicomAssociationOptions? Dimse { get; set; }
        /// <summary>Retry count and backoff for protocols that do not go through the HTTP executor (Dimse); null = the defaults.</summary>
        public DicomTools.Engine.Http.HttpRetryOptions? Retry { get; set; }

        // Whether a protocol can carry -Atomic is the protocol's to say (see Protocols/UploadProtocols.cs).
        internal void Validate()
        {
            if (ThrottleLimit < 1) throw new ArgumentOutOfRangeException(nameof(ThrottleLimit), "ThrottleLimit must be at least 1.");
            if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), "BatchSize must be at least 1.");
        }
    }

    /// <summary>Live counters for progress; read from any thread.</summary>
    public sealed class UploadProgress
    {
        private long _bytesSent;
        private long _bytesTotal;
        private int _filesTotal;
        private int _filesDone;

        public long BytesSent => System.Threading.Interlocked.Read(ref _bytesSent);
        public long BytesTotal => System.Threading.Interlocked.Read(ref _bytesTotal);
        public int FilesTotal => System.Threading.Volatile.Read(ref _filesTotal);
        public int FilesDone => System.Threading.Volatile.Read(ref _filesDone);

        internal void AddSent(long bytes) => System.Threading.Interlocked.Add(ref _bytesSent, bytes);
        internal void AddQueued(long bytes) { System.Threading.Interlocked.Add(ref _bytesTotal, bytes); System.Threading.Interlocked.Increment(ref _filesTotal); }
        internal void AddDone(int files) => System.Threading.Interlocked.Add(ref _filesDone, files);
    }

    internal static class UploadText
    {
        /// <summary>Keeps answers in results and messages short: a server may answer with a whole HTML page.</summary>
        public static string? Truncate(string? text, int max = 4096) =>
            text == null || text.Length <= max ? text : text.Substring(0, max) + "…";

        public static string Join(IEnumerable<string> parts) => string.Join("; ", parts);
    }
}
