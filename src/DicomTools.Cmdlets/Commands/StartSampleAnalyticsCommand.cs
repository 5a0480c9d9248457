using System;
using System.Collections;
using System.Collections.Specialized;
using System.Management.Automation;
using DicomTools.Engine.Analytics;
using DicomTools.Engine.Http;

namespace DicomTools.Cmdlets.Commands
{
    /// <summary>Asks the lab's analytics API to run a test on a sample; outputs the server's answer.</summary>
    [Cmdlet(VerbsLifecycle.Start, "SampleAnalytics", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(PSObject))]
    public sealed class StartSampleAnalyticsCommand : HttpCmdletBase
    {
        public const string AnswerTypeName = "DicomTools.AnalyticsAnswer";

        private AnalyticsClient? _client;

        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("sample_id")]
        [ValidateNotNullOrEmpty]
        public string SampleId { get; set; } = string.Empty;

        /// <summary>The test to run: a <c>SampleMetadata</c>'s TestType binds here from the pipeline.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [Alias("TestType", "request_type")]
        [ValidateNotNullOrEmpty]
        public string RequestType { get; set; } = string.Empty;

        protected override ApiEndpoint Endpoint => ApiEndpoint.Analytics;

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            _client = new AnalyticsClient(CreateExecutor(), ResolveEndpoint());
        }

        protected override void ProcessRecord()
        {
            if (!ShouldProcess($"sample '{SampleId}'", $"Start analytics '{RequestType}'")) return;
            try
            {
                var answer = Await(_client!.StartAsync(SampleId, RequestType, CancellationToken));
                var output = ToPSObject(answer.Fields);
                output.TypeNames.Insert(0, AnswerTypeName);
                WriteObject(output);
            }
            catch (DicomToolsHttpException ex)
            {
                WriteHttpError(ex, "DicomTools.AnalyticsFailed", SampleId);
            }
        }

        /// <summary>JSON objects become PSCustomObjects (field order kept), arrays object[], recursively.</summary>
        internal static PSObject ToPSObject(OrderedDictionary fields)
        {
            var result = new PSObject();
            foreach (DictionaryEntry field in fields)
                result.Properties.Add(new PSNoteProperty((string)field.Key, ToPowerShell(field.Value)));
            return result;
        }

        private static object? ToPowerShell(object? value) => value switch
        {
            OrderedDictionary nested => ToPSObject(nested),
            object?[] items => Array.ConvertAll(items, ToPowerShell),
            _ => value,
        };
    }
}
