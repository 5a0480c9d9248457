using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using DicomTools.Cmdlets.Completion;
using DicomTools.Dicom;
using DicomTools.Engine.Tagging;

namespace DicomTools.Cmdlets.Commands
{
    /// <summary>
    /// Get-DicomTag: one object per element of each file (top level, or all levels with -IncludeSequence),
    /// optionally only the tags asked for, reading no further than it must; with -AsRow, one object per file.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "DicomTag", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(DicomTagValue))]
    [OutputType(typeof(PSObject))]
    public sealed class GetDicomTagCommand : DicomToolsCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";

        private HashSet<DicomTag>? _tags;
        private List<DicomTag>? _columns;

        /// <summary>Files to read; wildcards allowed. Not bound by property name, for the reason given on Set-DicomTags.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PathSet)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>Files to read, taken as written; Get-ChildItem output and Set-DicomTags results bind here by PSPath.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>Only these top-level elements (keywords or tags); reading stops once they are passed.</summary>
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(DicomKeywordCompleter))]
        public string[]? Tag { get; set; }

        /// <summary>Also the elements inside sequence items (with -Tag: inside the sequences asked for).</summary>
        [Parameter]
        [Alias("Recurse")]
        public SwitchParameter IncludeSequence { get; set; }

        /// <summary>
        /// One object per file with one property per tag (-Tag's order) plus Path and PSPath: a row for Export-Csv.
        /// Named for what it changes, the shape of the output (every output is an object); AsObject is the alias.
        /// </summary>
        [Parameter]
        [Alias("AsObject")]
        public SwitchParameter AsRow { get; set; }

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            if (AsRow.IsPresent && IncludeSequence.IsPresent)
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException("-AsRow makes one column per top-level element; it cannot hold the elements inside sequences. Drop -IncludeSequence, or drop -AsRow to list nested elements."),
                    "DicomTools.InvalidParameterCombination", ErrorCategory.InvalidArgument, null));
            if (Tag == null) return;
            _tags = new HashSet<DicomTag>();
            _columns = new List<DicomTag>();
            foreach (var name in Tag)
            {
                if (!DicomDictionary.TryResolve(name?.Trim() ?? string.Empty, out var tag))
                    ThrowTerminatingError(new ErrorRecord(
                        new ArgumentException($"'{name}' is neither a DICOM keyword nor a tag; use a keyword such as PatientName or a tag such as (0010,0010)."),
                        "DicomTools.InvalidTag", ErrorCategory.InvalidArgument, name));
                if (_tags.Add(tag)) _columns.Add(tag);
            }
        }

        protected override void ProcessRecord()
        {
            var literal = ParameterSetName == LiteralPathSet;
            foreach (var file in ResolveFilePaths(literal ? LiteralPath : Path, literal))
            {
                if (CancellationToken.IsCancellationRequested) return;
                if (Directory.Exists(file))
                {
                    WriteError(TagErrorRecords.ForFailure(new TagFileFailure(TagFailureKind.IsDirectory,
                        $"'{file}' is a folder, not a file. Pipe its files instead: Get-ChildItem -LiteralPath '{file}' -Recurse -File | Get-DicomTag",
                        new IOException("Path is a directory: " + file)), file));
                    continue;
                }
                Read(file);
            }
        }

        private void Read(string file)
        {
            // The reader tells what was odd but readable (lenient reads) on its own thread: queued, written here.
            var warnings = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var options = new DicomReadOptions { IncludeSequences = IncludeSequence.IsPresent, Tags = _tags, Warning = warnings.Enqueue };
            var insideWantedSequence = false;
            var row = AsRow.IsPresent ? new List<DicomTagValue>() : null;
            try
            {
                foreach (var element in DicomFileReader.ReadElements(file, options))
                {
                    WriteReadWarnings(file, warnings);
                    if (element.Depth == 0) insideWantedSequence = _tags == null || _tags.Contains(element.Tag);
                    if (!insideWantedSequence) continue;
                    if (element.Depth > 0 && !IncludeSequence.IsPresent) continue;
                    var value = new DicomTagValue(file, element);
                    if (row != null) row.Add(value);
                    else WriteObject(value);
                }
                if (row != null) WriteObject(DicomTagRow.Create(file, _columns, row));
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException) && !(ex is OperationCanceledException))
            {
                WriteReadWarnings(file, warnings);
                WriteError(TagErrorRecords.ForFailure(TagFileUpdater.Describe(file, ex, edited: false), file));
            }
            WriteReadWarnings(file, warnings);
        }

        /// <summary>As Set-DicomTags words them: the file, then what was odd.</summary>
        private void WriteReadWarnings(string file, System.Collections.Concurrent.ConcurrentQueue<string> warnings)
        {
            while (warnings.TryDequeue(out var warning)) WriteWarning(file + ": " + warning);
        }
    }
}
