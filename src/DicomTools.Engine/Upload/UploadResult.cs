using System;

namespace DicomTools.Engine.Upload
{
    /// <summary>
    /// One file's upload outcome: the scheduler fills it, Send-DicomFile writes it as it is, Invoke-SampleUpload's run
    /// counts it. One object, one name, from the worker that sent the file to the user's pipeline.
    /// </summary>
    public sealed class UploadResult
    {
        // What PowerShell's FileSystem provider prefixes to a path; kept here so a result binds to -LiteralPath by PSPath.
        private const string FileSystemProviderPrefix = @"Microsoft.PowerShell.Core\FileSystem::";

        private Exception? _exception;

        internal UploadResult(UploadFile file, UploadProtocol protocol)
        {
            File = file ?? throw new ArgumentNullException(nameof(file));
            Protocol = protocol;
        }

        /// <summary>-WhatIf: what would have been sent, and nothing was.</summary>
        public static UploadResult WhatIf(string path, long bytes, UploadProtocol protocol) =>
            new UploadResult(new UploadFile(path, bytes), protocol) { Status = UploadStatus.WhatIf };

        /// <summary>An input the caller decided not to send (e.g. Set-DicomTags failed on it), with why.</summary>
        public static UploadResult NotSent(string path, long bytes, UploadProtocol protocol, string message) =>
            new UploadResult(new UploadFile(path, bytes), protocol) { Status = UploadStatus.NotSent, FailureReason = UploadFailureReason.InputNotReady, Message = message };

        internal UploadFile File { get; }
        /// <summary>Order of arrival at the scheduler: results leave it in this order.</summary>
        internal long Sequence { get; set; }

        public string Path => File.Path;
        public string Name => System.IO.Path.GetFileName(Path);
        /// <summary>The provider-qualified path, so a result pipes into -LiteralPath of the next cmdlet.</summary>
        public string PSPath => FileSystemProviderPrefix + Path;
        /// <summary>(0008,0018) as read from the file; null when it could not be read.</summary>
        public string? SopInstanceUid => File.SopInstanceUid;
        /// <summary>Stored, AlreadyStored (the server kept the copy it had), Failed, NotSent (see Message) or WhatIf.</summary>
        public UploadStatus Status { get; internal set; }
        /// <summary>The HTTP status of the request that carried the file; null when none was answered.</summary>
        public int? StatusCode { get; internal set; }
        /// <summary>HTTP attempts for the request that carried the file (1 = no retry).</summary>
        public int Attempts { get; internal set; }
        public long Bytes => File.Length;
        /// <summary>From sending the request that carried the file to reading its answer, retries included.</summary>
        public TimeSpan Duration { get; internal set; }
        /// <summary><see cref="Duration"/> in seconds, so <c>Measure-Object DurationSec -Sum</c> and a CSV column work.</summary>
        public double DurationSec => Duration.TotalSeconds;
        /// <summary>The server's answer for this file (its own part of a multi-file answer where one can be told apart).</summary>
        public string? Response { get; internal set; }
        /// <summary>The server's id of the stored instance (Orthanc's instance ID, the lab server's ID).</summary>
        public string? ServerId { get; internal set; }
        /// <summary>-Atomic against Orthanc: this request stored the file and it was deleted again because the set failed.</summary>
        public bool RolledBack { get; internal set; }
        /// <summary>Why the file failed or was not sent; never contains a secret. The error record says the same.</summary>
        public string? Message { get; internal set; }
        public UploadProtocol Protocol { get; }
        /// <summary>Why it failed or was not sent, as a value a script can test (None when stored).</summary>
        public UploadFailureReason FailureReason { get; internal set; }

        /// <summary>The server's answer named this file as failed (as opposed to not listing it at all).</summary>
        internal bool NamedByServer { get; set; }

        /// <summary>
        /// The transport failure behind a Failed status (the HTTP core's typed exception), for error records. A method,
        /// not a property, so that Format-List *, Export-Csv and ConvertTo-Json do not print an exception dump.
        /// </summary>
        public Exception? GetException() => _exception;

        internal void Fail(UploadFailureReason reason, string message, Exception? exception = null)
        {
            Status = UploadStatus.Failed;
            FailureReason = reason;
            Message = message;
            _exception = exception;
        }

        internal void NotSend(UploadFailureReason reason, string message)
        {
            Status = UploadStatus.NotSent;
            FailureReason = reason;
            Message = message;
            _exception = null;
        }

        /// <summary>-Atomic: this file failed only with its set; its own transport failure (if any) no longer explains it.</summary>
        internal void ClearException() => _exception = null;

        public override string ToString() => Path;
    }
}
