using System;
using DicomTools.Engine.Upload;

namespace DicomTools.Cmdlets
{
    /// <summary>One file's outcome from Send-DicomFile: always exactly one per input file.</summary>
    public sealed class UploadResult
    {
        internal UploadResult(string path, string? sopInstanceUid, UploadStatus status, int? statusCode, int attempts, long bytes,
            TimeSpan duration, string? response, string? serverId, bool rolledBack, string? message, UploadProtocol protocol)
        {
            Path = path; SopInstanceUid = sopInstanceUid; Status = status; StatusCode = statusCode; Attempts = attempts; Bytes = bytes;
            Duration = duration; Response = response; ServerId = serverId; RolledBack = rolledBack; Message = message; Protocol = protocol;
        }

        internal static UploadResult From(FileUploadOutcome outcome, UploadProtocol protocol) => new UploadResult(
            outcome.File.Path, outcome.File.SopInstanceUid, outcome.Status, outcome.StatusCode, outcome.Attempts, outcome.File.Length,
            outcome.Duration, outcome.Response, outcome.ServerId, outcome.RolledBack, outcome.Message, protocol);

        public string Path { get; }
        public string Name => System.IO.Path.GetFileName(Path);
        /// <summary>The provider-qualified path, so a result pipes into -LiteralPath of the next cmdlet.</summary>
        public string PSPath => TagUpdateResult.FileSystemProviderPrefix + Path;
        /// <summary>(0008,0018) as read from the file; null when it could not be read.</summary>
        public string? SopInstanceUid { get; }
        /// <summary>Stored, AlreadyStored (the server kept the copy it had), Failed, or WhatIf.</summary>
        public UploadStatus Status { get; }
        /// <summary>The HTTP status of the request that carried the file; null when none was answered.</summary>
        public int? StatusCode { get; }
        /// <summary>HTTP attempts for the request that carried the file (1 = no retry).</summary>
        public int Attempts { get; }
        public long Bytes { get; }
        /// <summary>From sending the request that carried the file to reading its answer, retries included.</summary>
        public TimeSpan Duration { get; }
        /// <summary>The server's answer for this file (its own part of a multi-file answer where one can be told apart).</summary>
        public string? Response { get; }
        /// <summary>The server's id of the stored instance (Orthanc's instance ID, the lab server's ID).</summary>
        public string? ServerId { get; }
        /// <summary>-Atomic against Orthanc: this request stored the file and it was deleted again because the set failed.</summary>
        public bool RolledBack { get; }
        /// <summary>Why the file failed; the error record says the same.</summary>
        public string? Message { get; }
        public UploadProtocol Protocol { get; }

        public override string ToString() => Path;
    }
}
