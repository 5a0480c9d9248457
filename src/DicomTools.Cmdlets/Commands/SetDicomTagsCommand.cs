using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using DicomTools.Cmdlets.Completion;
using DicomTools.Dicom;
using DicomTools.Engine.Metadata;
using DicomTools.Engine.Tagging;

namespace DicomTools.Cmdlets.Commands
{
    /// <summary>
    /// Set-DicomTags: writes a sample's metadata (and any other top-level tags) into DICOM files, atomically,
    /// several files at a time, with one result per input file in input order.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "DicomTags", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(TagUpdateResult))]
    // The singular noun PowerShell users type; the manifest exports it (AliasesToExport).
    [Alias("Set-DicomTag")]
    public sealed class SetDicomTagsCommand : DicomToolsCmdlet, IDisposable
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";
        private const int ProgressActivityId = 0x2d1c;
        private static readonly TimeSpan DrainWait = TimeSpan.FromMilliseconds(200);

        private DestinationLayout? _layout;
        private string? _relativeTo;
        private OrderedWorkQueue<PendingFile, TagFileOutcome?>? _queue;
        private ProgressMeter? _progress;
        private string _action = string.Empty;
        private string _currentFile = string.Empty;
        private bool _allQueued;
        private bool _stopAtFirstError;

        /// <summary>Files to tag; wildcards allowed. Strings from the pipeline bind here.</summary>
        /// <remarks>
        /// Not bound by property name on purpose: our own result objects carry a Path property, and PowerShell
        /// would bind it here (as a wildcard pattern, breaking names with brackets) before trying PSPath.
        /// </remarks>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PathSet)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>Files to tag, taken as written (no wildcards); Get-ChildItem output and our results bind here by PSPath.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>
        /// The sample's metadata: a SampleMetadata, a hashtable or any object with SampleId, PatientName, Species,
        /// TestType and ClinicName (the metadata API's keys sample_id, patient-name, request_species, test_type and
        /// clinic-name are accepted too).
        /// </summary>
        [Parameter(Position = 1)]
        [ValidateNotNull]
        public object? Metadata { get; set; }

        /// <summary>Which attempt this is; PatientID becomes &lt;SampleId&gt;-&lt;AttemptNumber as 3 digits&gt;.</summary>
        [Parameter]
        [ValidateRange(SampleTagPlan.MinimumAttemptNumber, SampleTagPlan.MaximumAttemptNumber)]
        public int AttemptNumber { get; set; } = 1;

        /// <summary>
        /// Other top-level tags: @{ PatientAge = '004Y'; '(0010,1030)' = '12.5' }; keys are keywords or tags,
        /// a $null value removes the element, a list becomes a multi-valued element.
        /// </summary>
        [Parameter]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(DicomTagTableCompleter))]
        public IDictionary? Tag { get; set; }

        /// <summary>
        /// Writes edited copies under this folder, with the same relative layout, and leaves the originals alone.
        /// The layout is relative to -RelativeTo, else to the -Path's folder before its first wildcard, else to the
        /// current location.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Destination { get; set; }

        /// <summary>The folder whose layout -Destination reproduces.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? RelativeTo { get; set; }

        /// <summary>What to do when a new value does not fit the file's character set: switch it to UTF-8 (ISO_IR 192), or refuse.</summary>
        [Parameter]
        public CharacterSetPolicy CharacterSetPolicy { get; set; } = CharacterSetPolicy.ConvertToUtf8;

        /// <summary>Also replaces read-only files (no write permission in their mode, or the Windows ReadOnly attribute); the mode is kept.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>How many files are edited at once; edited files wait for a shared flush to disk (group commit) without holding a worker.</summary>
        [Parameter]
        [ValidateRange(1, 256)]
        public int ThrottleLimit { get; set; } = TagFileUpdater.DefaultConcurrency;

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            if (Metadata == null && Tag == null)
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException("Give -Metadata (the sample's metadata), -Tag (other tags), or both."),
                    "DicomTools.NothingToSet", ErrorCategory.InvalidArgument, null));
            SampleTagPlan plan = BuildPlan();

            if (Destination != null)
            {
                var folder = ResolveFolderParameter(Destination, nameof(Destination));
                if (File.Exists(folder))
                    ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-Destination '{folder}' is a file; give a folder."),
                        "DicomTools.InvalidDestination", ErrorCategory.InvalidArgument, Destination));
                _layout = new DestinationLayout(folder);
                if (RelativeTo != null) _relativeTo = ResolveFolderParameter(RelativeTo, nameof(RelativeTo));
            }
            else if (RelativeTo != null)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-RelativeTo only applies with -Destination."),
                    "DicomTools.RelativeToWithoutDestination", ErrorCategory.InvalidArgument, RelativeTo));
            }

            var updater = new TagFileUpdater(plan.Edits, CharacterSetPolicy, flushToDisk: true, logProvider: LogQueue) { OverwriteReadOnly = Force.IsPresent };
            // A worker stages a file (writes its new version beside it) and goes on to the next one; the file's outcome comes
            // back when the group commit that makes it durable is over, so the flushes of many files are shared.
            _queue = new OrderedWorkQueue<PendingFile, TagFileOutcome?>(
                (file, token) =>
                {
                    if (file.Declined) return NoOutcome;
                    // TagFileOutcome is a class: the nullable view of its task is the same task, no adapter per file.
                    Task<TagFileOutcome?> outcome = updater.UpdateAsync(file.Request, token)!;
                    return outcome;
                },
                ThrottleLimit, Math.Max(64, ThrottleLimit * 16), CancellationToken);
            _progress = new ProgressMeter();
            _stopAtFirstError = ErrorsStopTheCommand();
            _action = (_layout == null ? "Set DICOM tags " : $"Write a copy under '{_layout.DestinationFolder}' with DICOM tags ")
                + string.Join(", ", plan.Edits.Select(e => Keyword(e.Path) + (e.IsRemove ? " (remove)" : " = '" + e.Value + "'")));
        }

        protected override void ProcessRecord()
        {
            var literal = ParameterSetName == LiteralPathSet;
            foreach (var pattern in literal ? LiteralPath : Path)
            {
                foreach (var file in ResolveFilePaths(new[] { pattern }, literal))
                {
                    Enqueue(file, pattern, literal);
                    while (_queue!.IsFull) Drain(DrainWait);
                    Drain(TimeSpan.Zero);
                }
            }
        }

        protected override void EndProcessing()
        {
            _allQueued = true;
            if (_queue != null)
            {
                while (_queue.HasPending) Drain(DrainWait);
                if (_progress!.Reported)
                    WriteProgress(new ProgressRecord(ProgressActivityId, "Set-DicomTags", _progress.Describe(true)) { RecordType = ProgressRecordType.Completed });
            }
            base.EndProcessing();
        }

        /// <summary>Called by PowerShell when the pipeline ends or stops: waits for files being written, drops the rest.</summary>
        public void Dispose()
        {
            _queue?.Dispose();
            _queue = null;
        }

        private SampleTagPlan BuildPlan()
        {
            try
            {
                var metadata = Metadata == null ? null : ToSampleMetadata(Metadata);
                var extra = Tag?.Cast<DictionaryEntry>().Select(e => new KeyValuePair<string, string?>(
                    Convert.ToString(e.Key, CultureInfo.InvariantCulture) ?? string.Empty,
                    SampleMetadataConverter.ToText(TagErrorRecords.Unwrap(e.Value)))).ToList();
                return SampleTagPlan.Create(metadata, AttemptNumber, extra);
            }
            catch (SampleMetadataException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "DicomTools.IncompleteMetadata", ErrorCategory.InvalidArgument, Metadata));
            }
            catch (DicomValueException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "DicomTools.InvalidTagValue", ErrorCategory.InvalidArgument, Tag ?? Metadata)
                    { ErrorDetails = new ErrorDetails(ex.Message + " No file was changed.") });
            }
            catch (ArgumentException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "DicomTools.InvalidTag", ErrorCategory.InvalidArgument, Tag)
                {
                    ErrorDetails = new ErrorDetails("-Tag: " + ex.Message + " No file was changed.")
                    {
                        RecommendedAction = "Give each -Tag key once, as a keyword (PatientAge), a tag ((0010,1010)) or a sequence path "
                            + "((0040,0275)[0].(0040,0009)), and leave to -Metadata the five tags it sets.",
                    },
                });
            }
            throw new InvalidOperationException("unreachable");
        }

        private void Enqueue(string file, string pattern, bool literal)
        {
            string? destination = null;
            TagFileFailure? failure = null;
            if (_layout != null)
            {
                var baseFolder = _relativeTo ?? BaseFolderOf(pattern, literal);
                if (_layout.TryGetDestination(file, baseFolder, out var target, out var refusal)) destination = target;
                else
                {
                    var problem = refusal!.Message + " " + TagErrorRecords.WhatToDo(refusal.Problem);
                    failure = new TagFileFailure(TagFailureKind.InvalidDestination, problem, new ArgumentException(problem));
                }
            }

            var declined = false;
            var dryRun = false;
            if (failure == null && !ShouldProcess(
                $"Performing the operation \"{_action}\" on target \"{file}\".",
                $"{_action} in \"{file}\"?", "Confirm", out var reason))
            {
                dryRun = reason == ShouldProcessReason.WhatIf;
                declined = !dryRun;
            }
            _queue!.Add(new PendingFile(new TagFileRequest(file, destination, dryRun, failure), declined));
            _progress!.FilesQueued++;
        }

        /// <summary>
        /// The next error record will end the command (-ErrorAction Stop): PowerShell stops the pipeline inside that
        /// WriteError, so nothing can be written after it. So, before it: no further file starts; the files being written
        /// finish (a rename is never cut short); every file that was worked on gets its result, in input order. A file
        /// rewritten without a result would be a change nobody was told about. Files not started get none (they are
        /// untouched), and no further error record is written (the first one ends the command).
        /// </summary>
        protected override void FinishBeforeTerminatingError() => FinishBeforeStop();

        private void FinishBeforeStop()
        {
            var queue = _queue;
            if (queue == null) return;
            queue.StopStarting();
            while (queue.HasPending)
            {
                if (!queue.TryTake(DrainWait, out var item)) continue;
                DrainLog();
                if (item.Canceled) continue;
                Emit(item.Input, item.Result, item.Error, afterStop: true);
            }
            DrainLog();
        }

        /// <summary>Writes every outcome that is ready (waiting up to <paramref name="wait"/> for the next one), in input order.</summary>
        private void Drain(TimeSpan wait)
        {
            var queue = _queue!;
            while (queue.TryTake(wait, out var item))
            {
                wait = TimeSpan.Zero;
                DrainLog();
                if (item.Canceled) continue;
                Emit(item.Input, item.Result, item.Error);
            }
            DrainLog();
            ReportProgress();
        }

        private void Emit(PendingFile file, TagFileOutcome? outcome, Exception? unexpected, bool afterStop = false)
        {
            var request = file.Request;
            var progress = _progress!;
            _currentFile = request.SourcePath;
            if (file.Declined)
            {
                progress.Done(0);
                WriteObject(new TagUpdateResult(request.SourcePath, request.SourcePath, null, TagUpdateStatus.Skipped, Array.Empty<DicomTagChange>(), null));
                return;
            }
            // The updater reports failures in its outcome; an exception here is a bug, but the file still gets its result.
            var failure = outcome?.Failure
                ?? (outcome == null ? TagFileUpdater.Describe(request.SourcePath, unexpected ?? new InvalidOperationException("The worker returned no outcome.")) : null);
            progress.Done(outcome?.Bytes ?? 0);
            if (failure != null)
            {
                var failed = new TagUpdateResult(request.SourcePath, request.SourcePath, null, TagUpdateStatus.Failed, Array.Empty<DicomTagChange>(), failure.Message);
                if (afterStop)
                {
                    WriteObject(failed);
                }
                else if (_stopAtFirstError)
                {
                    // This file's result first, then those of the files being written beside it, then the error that ends it all.
                    WriteObject(failed);
                    FinishBeforeStop();
                    WriteError(TagErrorRecords.ForFailure(failure, request.SourcePath));
                }
                else
                {
                    WriteError(TagErrorRecords.ForFailure(failure, request.SourcePath));
                    WriteObject(failed);
                }
                return;
            }
            var done = outcome!;
            var status = done.DryRun ? TagUpdateStatus.WhatIf
                : done.Changes.Count > 0 ? TagUpdateStatus.Updated
                : TagUpdateStatus.Unchanged;
            WriteVerbose($"{status}: '{done.OutputPath}'" + (done.Changes.Count == 0 ? string.Empty
                : " (" + string.Join("; ", done.Changes.Select(c => $"{Keyword(c.Path)} '{c.OldValue}' -> '{c.NewValue}'")) + ")"));
            WriteObject(new TagUpdateResult(done.OutputPath, done.SourcePath, done.SopInstanceUid, status, done.Changes, null));
        }

        /// <summary>True when an error record will end the command: -ErrorAction Stop, or $ErrorActionPreference = 'Stop' without -ErrorAction.</summary>
        private bool ErrorsStopTheCommand() => EffectiveErrorAction() == ActionPreference.Stop;

        private void ReportProgress()
        {
            var progress = _progress!;
            if (!progress.TryReport()) return;
            WriteProgress(new ProgressRecord(ProgressActivityId, "Set-DicomTags", progress.Describe(_allQueued))
            {
                PercentComplete = progress.Percent(_allQueued),
                CurrentOperation = _currentFile,
            });
        }

        private string BaseFolderOf(string pattern, bool literal)
        {
            var current = SessionState.Path.CurrentFileSystemLocation.ProviderPath;
            if (literal) return current;
            var patternBase = DestinationLayout.GetPatternBase(pattern);
            if (patternBase.Length == 0) return current;
            try { return SessionState.Path.GetUnresolvedProviderPathFromPSPath(patternBase); }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is ItemNotFoundException || ex is System.Management.Automation.DriveNotFoundException) { return current; }
        }

        private string ResolveFolderParameter(string value, string parameterName)
        {
            try
            {
                var resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(value, out var provider, out _);
                if (provider.Name == "FileSystem") return resolved;
            }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is ItemNotFoundException || ex is System.Management.Automation.DriveNotFoundException || ex is ProviderNotFoundException)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "DicomTools.InvalidPath", ErrorCategory.InvalidArgument, value));
            }
            ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-{parameterName} '{value}' must be a file-system folder."),
                "DicomTools.NotFileSystemPath", ErrorCategory.InvalidArgument, value));
            return string.Empty;
        }

        private static SampleMetadata ToSampleMetadata(object metadata)
        {
            var value = metadata is PSObject ps ? ps.BaseObject : metadata;
            return value as SampleMetadata ?? SampleMetadataConverter.FromFields(TagErrorRecords.Fields(metadata));
        }

        /// <summary>The keyword for a top-level element; the path, e.g. (0040,0275)[0].(0040,0009), for one inside an item.</summary>
        private static string Keyword(DicomTagPath path) => path.IsTopLevel ? Keyword(path.Tag) : path.ToString();

        private static string Keyword(DicomTag tag) =>
            DicomDictionary.TryGetByTag(tag, out var entry) && entry.Keyword.Length > 0 ? entry.Keyword : tag.ToString();

        // A declined file (-Confirm answered No): null stands for it in the queue.
        private static readonly Task<TagFileOutcome?> NoOutcome = Task.FromResult<TagFileOutcome?>(null);

        private sealed class PendingFile
        {
            public PendingFile(TagFileRequest request, bool declined) { Request = request; Declined = declined; }
            public TagFileRequest Request { get; }
            public bool Declined { get; }
        }
    }
}
