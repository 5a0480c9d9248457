using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Engine.Metadata;
using DicomTools.Engine.Upload;

namespace DicomTools.Engine.Run
{
    /// <summary>What one run is asked to do (the original script's arguments).</summary>
    public sealed class SampleRunRequest
    {
        public SampleRunRequest(string sampleId, int attemptNumber, string directory)
        {
            SampleId = sampleId ?? throw new ArgumentNullException(nameof(sampleId));
            AttemptNumber = attemptNumber;
            Directory = directory ?? throw new ArgumentNullException(nameof(directory));
        }

        public string SampleId { get; }
        public int AttemptNumber { get; }
        /// <summary>Full path of the folder searched (recursively) for *.dcm files.</summary>
        public string Directory { get; }
        public string? LogPath { get; set; }
        /// <summary>Send the log to LOG_URL when the run fails (only when a log endpoint is configured).</summary>
        public bool SubmitLogOnFailure { get; set; } = true;
    }

    /// <summary>The step of the run that failed (or None).</summary>
    public enum SampleRunStage { None, Files, Metadata, Tagging, Upload, Analytics, Cancelled }

    /// <summary>What tagging did to one file.</summary>
    public enum FileTagStatus { Updated, Unchanged, Failed }

    public sealed class FileTagResult
    {
        public FileTagResult(string path, FileTagStatus status, string? message = null)
        { Path = path; Status = status; Message = message; }

        public string Path { get; }
        public FileTagStatus Status { get; }
        public string? Message { get; }
    }

    /// <summary>A file the run could not bring to the server, and why.</summary>
    public sealed class FailedFile
    {
        public FailedFile(string path, SampleRunStage stage, string reason) { Path = path; Stage = stage; Reason = reason; }
        public string Path { get; }
        public SampleRunStage Stage { get; }
        public string Reason { get; }
        /// <summary>"name.dcm (Upload): reason" (the folder is in <see cref="Path"/>): what a report column or a log line wants.</summary>
        public override string ToString() => $"{System.IO.Path.GetFileName(Path)} ({Stage}): {Reason}";
    }

    /// <summary>
    /// The four remote and file steps of a run. <see cref="SampleRun"/> decides what runs when; an
    /// implementation only does one step (the real one wires the metadata, tagging, upload and analytics
    /// engines; tests use a fake to prove the decisions).
    /// </summary>
    public interface ISampleRunSteps
    {
        Task<SampleMetadata> FetchMetadataAsync(string sampleId, CancellationToken cancellationToken);

        /// <summary>The PatientID the tags will carry for this metadata and attempt.</summary>
        string PatientIdFor(SampleMetadata metadata, int attemptNumber);

        /// <summary>Tags every file; one result per file, reported through <paramref name="done"/> as each finishes.</summary>
        Task<IReadOnlyList<FileTagResult>> TagAsync(IReadOnlyList<string> files, SampleMetadata metadata, int attemptNumber,
            Action<FileTagResult> done, CancellationToken cancellationToken);

        /// <summary>Uploads the files; one result per file, reported through <paramref name="done"/> as each finishes.</summary>
        Task<IReadOnlyList<UploadResult>> UploadAsync(IReadOnlyList<string> files, Action<UploadResult> done,
            CancellationToken cancellationToken);

        /// <summary>Starts analytics; the server's answer.</summary>
        Task<object?> StartAnalyticsAsync(string sampleId, string requestType, CancellationToken cancellationToken);

        /// <summary>True when failed runs have somewhere to send their log (LOG_URL is set).</summary>
        bool CanSubmitLog { get; }

        Task SubmitLogAsync(string logPath, string sampleId, int attemptNumber, CancellationToken cancellationToken);
    }

    /// <summary>Live state of a run, read by the cmdlet's progress bar from the pipeline thread.</summary>
    public sealed class SampleRunProgress
    {
        private int _stage;
        private int _filesFound, _tagged, _uploaded;

        public SampleRunStage Stage => (SampleRunStage)Volatile.Read(ref _stage);
        public int FilesFound => Volatile.Read(ref _filesFound);
        public int FilesTagged => Volatile.Read(ref _tagged);
        public int FilesUploaded => Volatile.Read(ref _uploaded);

        internal void Enter(SampleRunStage stage) => Volatile.Write(ref _stage, (int)stage);
        internal void Found(int count) => Volatile.Write(ref _filesFound, count);
        internal void Tagged() => Interlocked.Increment(ref _tagged);
        internal void Uploaded() => Interlocked.Increment(ref _uploaded);
    }

    /// <summary>The run's outcome: what the summary shows and the log records.</summary>
    public sealed class SampleRunResult
    {
        public string SampleId { get; internal set; } = string.Empty;
        public int AttemptNumber { get; internal set; }
        public string? PatientId { get; internal set; }
        public string Directory { get; internal set; } = string.Empty;
        public int FilesFound { get; internal set; }
        public int Updated { get; internal set; }
        public int Unchanged { get; internal set; }
        public int Uploaded { get; internal set; }
        public int AlreadyStored { get; internal set; }
        public int Failed => FailedFiles.Count;
        public List<FailedFile> FailedFiles { get; } = new List<FailedFile>();
        public bool AnalyticsStarted { get; internal set; }
        public object? Analytics { get; internal set; }
        public string? LogPath { get; internal set; }
        public bool LogSubmitted { get; internal set; }
        public TimeSpan Duration { get; internal set; }
        /// <summary><see cref="Duration"/> in seconds, for Measure-Object and CSV.</summary>
        public double DurationSec => Duration.TotalSeconds;
        public bool Succeeded => FailedStage == SampleRunStage.None;
        public SampleRunStage FailedStage { get; internal set; }
        /// <summary>Why the run failed, one sentence, redacted.</summary>
        public string? FailureMessage { get; internal set; }
        /// <summary>The exception behind the failure, when one step threw (for the error record's category).</summary>
        public Exception? Error { get; internal set; }
    }
}
