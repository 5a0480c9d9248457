using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Dicom;
using DicomTools.Dicom.IO;
using DicomTools.Engine.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DicomTools.Engine.Tagging
{
    /// <summary>Why a file could not be tagged; the cmdlet turns it into an error id and category.</summary>
    public enum TagFailureKind
    {
        /// <summary>Not DICOM, truncated or damaged (the offset says where).</summary>
        InvalidDicomFile,
        /// <summary>A new value the tag's VR does not allow, or that the character set cannot carry under the policy.</summary>
        InvalidTagValue,
        NotFound,
        /// <summary>A folder was given where a file is expected.</summary>
        IsDirectory,
        AccessDenied,
        /// <summary>Reading or writing failed (disk full, file locked, ...).</summary>
        IOError,
        /// <summary>The destination layout cannot place the file (outside the base folder, onto its own source, or inside the source tree).</summary>
        InvalidDestination,
        /// <summary>A FIFO, socket or device: never opened, since reading it could wait forever.</summary>
        NotRegularFile,
        /// <summary>Another program wrote the file while we edited it: its version was kept, ours discarded.</summary>
        ChangedWhileEditing,
        Unexpected,
        /// <summary>The file is read-only and replacing read-only files was not allowed: it was left unchanged.</summary>
        ReadOnly,
    }

    public sealed class TagFileFailure
    {
        public TagFileFailure(TagFailureKind kind, string message, Exception exception)
        { Kind = kind; Message = message; Exception = exception; }
        public TagFailureKind Kind { get; }
        /// <summary>Says which file, what went wrong and what to do; never contains more than the file name and the reason.</summary>
        public string Message { get; }
        public Exception Exception { get; }
        /// <summary>The byte offset for a damaged file.</summary>
        public long? Offset => (Exception as DicomFormatException)?.Offset;
    }

    /// <summary>One file to tag; <see cref="DestinationPath"/> null edits in place.</summary>
    public sealed class TagFileRequest
    {
        public TagFileRequest(string sourcePath, string? destinationPath = null, bool dryRun = false, TagFileFailure? failure = null)
        { SourcePath = sourcePath; DestinationPath = destinationPath; DryRun = dryRun; PresetFailure = failure; }
        public string SourcePath { get; }
        public string? DestinationPath { get; }
        /// <summary>Compute the changes and write nothing (-WhatIf).</summary>
        public bool DryRun { get; }
        /// <summary>A failure found while the request was made (e.g. a destination outside the base folder): reported as is.</summary>
        public TagFileFailure? PresetFailure { get; }
    }

    public sealed class TagFileOutcome
    {
        internal TagFileOutcome(string sourcePath, string outputPath, string? sopInstanceUid, bool written, bool dryRun, IReadOnlyList<DicomTagChange> changes, long bytes, TagFileFailure? failure, IReadOnlyList<string>? warnings = null)
        {
            SourcePath = sourcePath; OutputPath = outputPath; SopInstanceUid = sopInstanceUid; Written = written;
            DryRun = dryRun; Changes = changes; Bytes = bytes; Failure = failure; Warnings = warnings ?? Array.Empty<string>();
        }
        /// <summary>Things the user should hear about this file even when it succeeded (e.g. a stale temporary file removed).</summary>
        public IReadOnlyList<string> Warnings { get; }
        public string SourcePath { get; }
        /// <summary>The edited file: the source itself, or its copy under the destination.</summary>
        public string OutputPath { get; }
        public string? SopInstanceUid { get; }
        /// <summary>True when a file was written (the source replaced, or the destination copy made).</summary>
        public bool Written { get; }
        public bool DryRun { get; }
        /// <summary>The elements whose value changes (or would, on a dry run).</summary>
        public IReadOnlyList<DicomTagChange> Changes { get; }
        /// <summary>The source file's size, for progress.</summary>
        public long Bytes { get; }
        public TagFileFailure? Failure { get; }
        public bool Succeeded => Failure == null;
    }

    /// <summary>
    /// Applies one plan's edits to one file and reports what happened without throwing, so that one bad
    /// file never stops the others. Thread-safe: many workers share one instance.
    /// </summary>
    public sealed class TagFileUpdater
    {
        private readonly IReadOnlyList<DicomEdit> _edits;
        private readonly CharacterSetPolicy _characterSetPolicy;
        private readonly bool _flushToDisk;
        private readonly ILogger _logger;
        // Files staged by concurrent workers share fsyncs of their folder (and the disk's flushes) through it.
        private readonly GroupCommitter _committer;
        // Folders whose temporary files left by killed edits were already looked for in this run: once per folder, before
        // the run's first write there (the others wait for it), never once per file.
        private readonly ConcurrentDictionary<string, Lazy<bool>> _sweptFolders = new ConcurrentDictionary<string, Lazy<bool>>(StringComparer.Ordinal);
        // The same keyed by the folder as the caller spelt it: its real path is resolved once per folder, not once per file
        // (a file that is a link into another folder gets that folder swept when it is written: see PreparingFolder).
        private readonly ConcurrentDictionary<string, Lazy<bool>> _sweptFoldersAsGiven = new ConcurrentDictionary<string, Lazy<bool>>(StringComparer.Ordinal);

        /// <summary>
        /// How many files are edited at once unless the caller says otherwise. An edit mostly waits for its file's fsync,
        /// not for a processor, and concurrent fsyncs share the file system's journal commits and the disk's cache flushes:
        /// on the 2-core machine 600 files took 3.0-3.2 s with 4 at once and 2.1 s with 16, and bench/Measure-All.ps1's first
        /// edit of 2000 files went from 0.91x to 1.11x of dcmodify + sync (quiet runs).
        /// </summary>
        public static int DefaultConcurrency { get; } = Math.Max(16, 2 * Environment.ProcessorCount);

        /// <summary>Replace read-only files too (-Force); off, they fail with <see cref="TagFailureKind.AccessDenied"/>.</summary>
        public bool OverwriteReadOnly { get; set; }

        /// <param name="edits">The edits every file gets.</param>
        /// <param name="characterSetPolicy">What to do with a value a file's character set cannot carry.</param>
        /// <param name="flushToDisk">fsync each new file before its rename and its folder after it (off only for previews and tests).</param>
        /// <param name="logProvider">Where the per-file log lines go.</param>
        /// <param name="committer">Commits the staged files in groups; null: one of this updater's own.</param>
        public TagFileUpdater(IReadOnlyList<DicomEdit> edits, CharacterSetPolicy characterSetPolicy, bool flushToDisk = true, ILoggerProvider? logProvider = null, GroupCommitter? committer = null)
        {
            _committer = committer ?? new GroupCommitter();
            _edits = edits ?? throw new ArgumentNullException(nameof(edits));
            _characterSetPolicy = characterSetPolicy;
            _flushToDisk = flushToDisk;
            _logger = logProvider?.CreateLogger(typeof(TagFileUpdater).FullName!) ?? NullLogger.Instance;
        }

        /// <summary>Edits (or, on a dry run, examines) one file; returns once its new version is durable (or it failed).</summary>
        public TagFileOutcome Update(TagFileRequest request, CancellationToken cancellationToken = default)
        {
            // Waits on the commit itself, not on a continuation: a caller blocking thread-pool threads (Parallel.For) must
            // not need another pool thread to learn its result.
            var outcome = Begin(request, cancellationToken, out var commit);
            if (commit == null) return outcome;
            try { commit.Wait(CancellationToken.None); }
            catch (AggregateException) { } // settled below
            return Settle(request, outcome, commit);
        }

        /// <summary>
        /// Edits (or, on a dry run, examines) one file: the new version is written beside it on the calling thread, then
        /// committed with the other files staged meanwhile (<see cref="GroupCommitter"/>). The task completes with the outcome
        /// once the file is durably replaced (fsync of the new file before its rename, of its folder after it), or with the
        /// failure, the file then left as it was; it never faults. The calling thread may commit a group itself.
        /// </summary>
        public Task<TagFileOutcome> UpdateAsync(TagFileRequest request, CancellationToken cancellationToken = default)
        {
            var outcome = Begin(request, cancellationToken, out var commit);
            if (commit == null) return Task.FromResult(outcome);
            if (commit.IsCompleted) return Task.FromResult(Settle(request, outcome, commit));
            return commit.ContinueWith(done => Settle(request, outcome, done), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        /// <summary>Stages the file and hands it to the committer (<paramref name="commit"/>, null when there is nothing to
        /// commit); returns the final outcome, or the one planned for when the commit succeeds.</summary>
        private TagFileOutcome Begin(TagFileRequest request, CancellationToken cancellationToken, out Task? commit)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            commit = null;
            var dryRun = request.DryRun;
            var source = request.SourcePath;
            var output = request.DestinationPath ?? source;
            if (request.PresetFailure != null) return Failed(request, request.PresetFailure);
            long bytes = 0;
            StagedReplacement? staged = null;
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                // One stat for the usual case (a file); only a path that is not a file is asked whether it is a folder.
                var info = new FileInfo(source);
                if (!info.Exists && Directory.Exists(source))
                    return Failed(request, new TagFileFailure(TagFailureKind.IsDirectory,
                        $"'{source}' is a folder, not a file; give the DICOM files in it instead.",
                        new IOException("Path is a directory: " + source)));
                if (!info.Exists)
                    return Failed(request, new TagFileFailure(TagFailureKind.NotFound, $"'{source}' does not exist (was it moved or deleted?).", new FileNotFoundException("File not found.", source)));
                bytes = info.Length;

                var warnings = new List<string>();
                var options = new DicomEditOptions
                {
                    DryRun = dryRun,
                    CharacterSetPolicy = _characterSetPolicy,
                    FlushToDisk = _flushToDisk,
                    DestinationPath = request.DestinationPath,
                    OverwriteReadOnly = OverwriteReadOnly,
                    SweepStaleTemporaryFiles = false,
                    // Odd but editable (a misspelt character set, ...) or cleaned up (a killed edit's temporary file): the admin sees it as a warning.
                    Warning = message => { lock (warnings) warnings.Add(message); _logger.LogWarning("{File}: {Warning}", source, message); },
                };
                if (request.DestinationPath != null && !dryRun)
                {
                    var folder = Path.GetDirectoryName(request.DestinationPath);
                    if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
                }
                if (!dryRun)
                {
                    var warn = options.Warning;
                    SweepOnceAsGiven(Path.GetDirectoryName(Path.GetFullPath(output))!, warn);
                    // The folder the new file really goes to (links resolved once, by the replacer itself).
                    options.PreparingFolder = folder => SweepOnce(folder, warn);
                }
                var edit = DicomFileEditor.Stage(source, _edits, options);
                var result = edit.Result;
                staged = edit.Replacement;
                var written = result.Written;
                if (request.DestinationPath != null && !dryRun && !written)
                {
                    // Nothing to change, but the destination must still hold the file: the admin sends it from there.
                    staged = StageCopy(source, request.DestinationPath, options);
                    written = true;
                }
                var outcome = new TagFileOutcome(source, output, result.SopInstanceUid, written, dryRun, result.Changes, bytes, null, warnings);
                if (staged == null)
                {
                    LogDone(source, outcome);
                    return outcome;
                }
                var committing = staged;
                staged = null; // the committer owns it from here, whatever happens
                commit = _committer.Commit(committing);
                return outcome;
            }
            catch (Exception ex) when (!(ex is OperationCanceledException))
            {
                staged?.Dispose();
                return Failed(request, Describe(source, ex), bytes);
            }
        }

        /// <summary>The outcome once the commit is over: as planned, or the failure that kept (or could not prove) the new version.</summary>
        private TagFileOutcome Settle(TagFileRequest request, TagFileOutcome planned, Task commit)
        {
            if (commit.Exception == null)
            {
                LogDone(request.SourcePath, planned);
                return planned;
            }
            var error = commit.Exception.InnerExceptions.Count == 1 ? commit.Exception.InnerException! : commit.Exception;
            return Failed(request, Describe(request.SourcePath, error), planned.Bytes);
        }

        private void LogDone(string source, TagFileOutcome outcome) =>
            _logger.LogDebug("{File}: {Count} change(s), {Action}", source, outcome.Changes.Count,
                outcome.DryRun ? "dry run" : outcome.Written ? "written to " + outcome.OutputPath : "nothing written");

        private static TagFileOutcome Failed(TagFileRequest request, TagFileFailure failure, long bytes = 0) =>
            new TagFileOutcome(request.SourcePath, request.SourcePath, null, false, false, Array.Empty<DicomTagChange>(), bytes, failure);

        /// <summary>Names the file, the reason and what to do, per kind of failure.</summary>
        /// <param name="edited">True when the file was being edited: the message then says it was left unchanged.</param>
        public static TagFileFailure Describe(string path, Exception ex, bool edited = true)
        {
            var untouched = edited ? " The file was left unchanged." : string.Empty;
            switch (ex)
            {
                case DicomFormatException f:
                    // The codec's message usually names the offset and the file already; say each once.
                    var where = f.Message.IndexOf("offset", StringComparison.OrdinalIgnoreCase) >= 0 ? string.Empty : $" (at byte offset {f.Offset})";
                    var who = f.Message.IndexOf(path, StringComparison.Ordinal) >= 0 ? string.Empty : $"'{path}': ";
                    return new TagFileFailure(TagFailureKind.InvalidDicomFile, $"{who}not a valid DICOM file{where}: {f.Message}{untouched}", ex);
                case DicomValueException v:
                    return new TagFileFailure(TagFailureKind.InvalidTagValue,
                        $"'{path}': the new value for {SampleTagPlan.Describe(v.Tag)} ({v.VR}) is refused: {v.Message}{untouched}", ex);
                case NotRegularFileException n:
                    return new TagFileFailure(TagFailureKind.NotRegularFile, n.Message, ex);
                case FolderFlushException ff:
                    return new TagFileFailure(TagFailureKind.IOError, ff.Message, ex);
                case FileChangedException c:
                    return new TagFileFailure(TagFailureKind.ChangedWhileEditing, c.Message, ex);
                case ReadOnlyFileException r:
                    return new TagFileFailure(TagFailureKind.ReadOnly, $"'{path}' is read-only ({r.Protection}); it was left unchanged.", ex);
                case UnauthorizedAccessException _:
                    return new TagFileFailure(TagFailureKind.AccessDenied,
                        $"'{path}': access denied ({ex.Message}). Check the file's and its folder's permissions" + (edited ? ": the edit writes a temporary file beside it." : ".") + untouched, ex);
                case FileNotFoundException _:
                case DirectoryNotFoundException _:
                    return new TagFileFailure(TagFailureKind.NotFound, $"'{path}' does not exist: {ex.Message}", ex);
                case IOException _:
                    return new TagFileFailure(TagFailureKind.IOError, $"'{path}': {ex.Message}{untouched}", ex);
                default:
                    return new TagFileFailure(TagFailureKind.Unexpected, $"'{path}': {ex.GetType().Name}: {ex.Message}{untouched}", ex);
            }
        }

        private void SweepOnceAsGiven(string folder, Action<string> warning) =>
            _ = _sweptFoldersAsGiven.GetOrAdd(folder, f => new Lazy<bool>(() => { SweepOnce(RealPath.Resolve(f), warning); return true; })).Value;

        private void SweepOnce(string folder, Action<string> warning) =>
            _ = _sweptFolders.GetOrAdd(folder, f => new Lazy<bool>(() => SafeFileReplacer.RemoveStaleTemporaryFilesIn(f, warning) >= 0)).Value;

        /// <summary>A copy through a temporary file in the destination folder (so a crash never leaves half a file), staged for the committer.</summary>
        private static StagedReplacement StageCopy(string source, string destination, DicomEditOptions options)
        {
            var input = RegularFile.OpenRead(source, 1 << 16, FileOptions.SequentialScan, out var identity);
            try
            {
                return SafeFileReplacer.Stage(source, destination, copy => FileRangeCopy.AppendWholeFile(input, copy), new SafeWriteOptions
                {
                    PreparingFolder = options.PreparingFolder,
                    FlushToDisk = options.FlushToDisk,
                    OverwriteReadOnly = options.OverwriteReadOnly,
                    SourceIdentity = identity,
                    Warning = options.Warning,
                    SweepStaleTemporaryFiles = false,
                }, input);
            }
            catch
            {
                input.Dispose();
                throw;
            }
        }
    }
}
