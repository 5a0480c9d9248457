using System;
using System.IO;
using System.Management.Automation;
using DicomTools.Engine.Http;
using DicomTools.Engine.Logging;

namespace DicomTools.Cmdlets.Commands
{
    /// <summary>
    /// <para type="synopsis">Sends a run's log file to the log API (LOG_URL), as Invoke-SampleUpload does when a run fails.</para>
    /// </summary>
    [Cmdlet(VerbsCommunications.Send, "DicomToolsLog", SupportsShouldProcess = true)]
    [OutputType(typeof(LogSubmission))]
    public sealed class SendDicomToolsLogCommand : HttpCmdletBase
    {
        protected override ApiEndpoint Endpoint => ApiEndpoint.Logs;

        /// <summary>The log file (e.g. ref0000022tes-cbc-1.log).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LogPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = string.Empty;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? SampleId { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateRange(1, int.MaxValue)]
        public int? AttemptNumber { get; set; }

        private LogSubmitter? _submitter;

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            Redactor.Register(ApiKey);
            Redactor.Register(Token);
            if (Credential != null) Redactor.RegisterBasicCredential(Credential.UserName, Credential.Password);
            var endpoint = ResolveEndpoint();
            _submitter = new LogSubmitter(CreateExecutor(), endpoint);
        }

        protected override void ProcessRecord()
        {
            string full;
            try
            {
                full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is ItemNotFoundException || ex is System.Management.Automation.DriveNotFoundException || ex is ProviderNotFoundException)
            {
                WriteError(new ErrorRecord(ex, "DicomTools.InvalidPath", ErrorCategory.InvalidArgument, Path));
                return;
            }
            if (!File.Exists(full))
            {
                WriteError(new ErrorRecord(new FileNotFoundException($"The log file '{full}' does not exist.", full),
                    "DicomTools.LogNotFound", ErrorCategory.ObjectNotFound, full));
                return;
            }
            if (!ShouldProcess(full, "Send the log to the log API")) return;
            try
            {
                var answer = Await(_submitter!.SendAsync(full, SampleId, AttemptNumber, CancellationToken));
                WriteObject(new LogSubmission
                {
                    Path = full,
                    SampleId = SampleId,
                    AttemptNumber = AttemptNumber,
                    Bytes = new FileInfo(full).Length,
                    StatusCode = answer.StatusCode,
                    Attempts = answer.Attempts,
                    Response = Redactor.Redact(answer.Body),
                });
            }
            catch (DicomToolsHttpException ex)
            {
                WriteError(HttpErrorRecords.Create(ex, "DicomTools.LogSubmissionFailed", full));
            }
        }
    }

    /// <summary>The log API's answer to one log sent.</summary>
    public sealed class LogSubmission
    {
        public string Path { get; internal set; } = string.Empty;
        public string? SampleId { get; internal set; }
        public int? AttemptNumber { get; internal set; }
        public long Bytes { get; internal set; }
        public int StatusCode { get; internal set; }
        public int Attempts { get; internal set; }
        public string Response { get; internal set; } = string.Empty;

        /// <summary>"run.log: HTTP 200, 5120 bytes" (a CSV cell or "$result" shows this, not the type name).</summary>
        public override string ToString() =>
            System.IO.Path.GetFileName(Path) + ": HTTP " + StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture) + ", " + Bytes.ToString(System.Globalization.CultureInfo.InvariantCulture) + " bytes";
    }
}
