using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using DicomTools.Dicom;
using DicomTools.Dicom.Network;

namespace DicomTools.Cmdlets.Commands
{
    /// <summary>
    /// Test-DicomConnection: opens a DICOM association with an archive (AE title, host, port), sends C-ECHO and releases;
    /// one result object says how far it got. With -SopClass or files, also which SOP classes / transfer syntaxes the
    /// archive accepts. A failure is also an error record, so -ErrorAction Stop makes a script (and pwsh -Command) fail.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "DicomConnection", DefaultParameterSetName = DefaultSet)]
    [OutputType(typeof(DicomConnectionResult))]
    public sealed class TestDicomConnectionCommand : DicomToolsCmdlet
    {
        private const string DefaultSet = "Default";
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";

        private readonly List<string> _files = new List<string>();

        /// <summary>Host name or IP address of the archive.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [Alias("CN", "HostName")]
        [ValidateNotNullOrEmpty]
        public string ComputerName { get; set; } = string.Empty;

        /// <summary>The archive's DICOM port.</summary>
        [Parameter(Position = 1)]
        [ValidateRange(1, 65535)]
        public int Port { get; set; } = 104;

        /// <summary>The archive's AE title.</summary>
        [Parameter(Mandatory = true)]
        [Alias("AET", "CalledAE")]
        [ValidateNotNullOrEmpty]
        public string CalledAETitle { get; set; } = string.Empty;

        /// <summary>Our AE title, as the archive knows us.</summary>
        [Parameter]
        [Alias("AEC", "CallingAE")]
        [ValidateNotNullOrEmpty]
        public string CallingAETitle { get; set; } = DicomAssociationOptions.DefaultCallingAETitle;

        /// <summary>Seconds to wait for the connection and for each answer.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 10;

        /// <summary>SOP class UIDs to propose (uncompressed), to see whether the archive accepts them.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? SopClass { get; set; }

        /// <summary>Files whose SOP classes and transfer syntaxes to propose; wildcards allowed.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = PathSet)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>Files taken as written; Get-ChildItem output binds here by PSPath.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            foreach (var (name, value) in new[] { ("CalledAETitle", CalledAETitle), ("CallingAETitle", CallingAETitle) })
            {
                var problem = DicomNetworkValidation.AeTitleProblem(value);
                if (problem != null)
                    ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-{name} '{value}': {problem}."), "DicomTools.InvalidAETitle", ErrorCategory.InvalidArgument, value));
            }
            if (SopClass != null)
            {
                foreach (var uid in SopClass)
                {
                    if (!DicomNetworkValidation.IsUid(uid))
                        ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-SopClass '{uid}' is not a UID (digits and dots, at most 64 characters), e.g. 1.2.840.10008.5.1.4.1.1.2 for CT Image Storage."),
                            "DicomTools.InvalidSopClass", ErrorCategory.InvalidArgument, uid));
                }
            }
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == DefaultSet) return;
            var literal = ParameterSetName == LiteralPathSet;
            _files.AddRange(ResolveFilePaths(literal ? LiteralPath : Path, literal));
        }

        protected override void EndProcessing()
        {
            try
            {
                var contexts = Contexts();
                var options = new DicomAssociationOptions(ComputerName, Port, CalledAETitle) { CallingAETitle = CallingAETitle }
                    .WithTimeout(TimeSpan.FromSeconds(TimeoutSec));
                WriteVerbose($"Opening an association with {options} as {CallingAETitle}, proposing {contexts.Count + 1} presentation context(s).");
                DicomConnectionReport report;
                try
                {
                    report = DicomConnectionProbe.RunAsync(options, contexts, CancellationToken).GetAwaiter().GetResult();
                }
                catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
                {
                    return; // Ctrl+C: the association was aborted; PowerShell stops the pipeline.
                }
                var result = new DicomConnectionResult(options, report);
                WriteObject(result);
                if (report.Error != null) WriteError(ErrorFor(report.Error, options));
            }
            finally
            {
                base.EndProcessing();
            }
        }

        private List<DicomPresentationContext> Contexts()
        {
            var found = new List<(string, string)>();
            foreach (var file in _files)
            {
                try
                {
                    var summary = DicomFileReader.ReadSummary(file);
                    if (string.IsNullOrEmpty(summary.SopClassUid))
                        throw new DicomFormatException("The file has no SOP Class UID (0008,0016)", 0, file);
                    found.Add((summary.SopClassUid!, summary.TransferSyntaxUid));
                }
                catch (Exception ex) when (ex is DicomFormatException || ex is IOException || ex is UnauthorizedAccessException)
                {
                    WriteError(new ErrorRecord(ex, "DicomTools.InvalidDicomFile", ex is UnauthorizedAccessException ? ErrorCategory.PermissionDenied : ErrorCategory.InvalidData, file));
                }
            }
            try
            {
                var contexts = DicomPresentationContext.ForFiles(found, includeVerification: false).ToList();
                foreach (var uid in SopClass ?? Array.Empty<string>())
                {
                    if (!contexts.Any(c => c.AbstractSyntaxUid == uid && c.TransferSyntaxUids.SequenceEqual(DicomUids.UncompressedLittleEndian)))
                        contexts.Add(new DicomPresentationContext(uid, DicomUids.UncompressedLittleEndian));
                }
                if (contexts.Count + 1 > DicomAssociation.MaxPresentationContexts)
                    throw new ArgumentException($"The SOP classes and transfer syntaxes to test need {contexts.Count + 1} presentation contexts, more than the {DicomAssociation.MaxPresentationContexts} one association can carry; test fewer files or SOP classes at a time.");
                return contexts;
            }
            catch (ArgumentException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "DicomTools.TooManyPresentationContexts", ErrorCategory.InvalidArgument, null));
                throw; // not reached
            }
        }

        private static ErrorRecord ErrorFor(Exception error, DicomAssociationOptions options)
        {
            var target = options.ToString();
            var (id, category) = error switch
            {
                DicomNetworkTimeoutException _ => ("DicomTools.DicomTimeout", ErrorCategory.OperationTimeout),
                DicomAssociationRejectedException _ => ("DicomTools.DicomAssociationRejected", ErrorCategory.ConnectionError),
                DicomAssociationAbortedException _ => ("DicomTools.DicomAssociationAborted", ErrorCategory.ConnectionError),
                DicomProtocolException _ => ("DicomTools.DicomProtocolError", ErrorCategory.ProtocolError),
                DicomNoAcceptedContextException _ => ("DicomTools.DicomEchoNotSupported", ErrorCategory.NotImplemented),
                DicomNetworkException n when n.Failure == DicomNetworkFailure.Protocol => ("DicomTools.DicomEchoFailed", ErrorCategory.ResourceUnavailable),
                _ => ("DicomTools.DicomConnectionFailed", ErrorCategory.ConnectionError),
            };
            var record = new ErrorRecord(error, id, category, target);
            if (error is DicomAssociationRejectedException rejected && rejected.Reason == 7)
                record.ErrorDetails = new ErrorDetails(error.Message) { RecommendedAction = $"Check -CalledAETitle '{options.CalledAETitle}': it must be the archive's own AE title, as configured on the archive." };
            else if (error is DicomAssociationRejectedException rejectedCalling && rejectedCalling.Reason == 3)
                record.ErrorDetails = new ErrorDetails(error.Message) { RecommendedAction = $"Register '{options.CallingAETitle}' (this host) as a known modality on the archive, or pass the -CallingAETitle it knows." };
            return record;
        }
    }
}
