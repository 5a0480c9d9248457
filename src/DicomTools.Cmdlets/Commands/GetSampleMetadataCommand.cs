using System;
using System.Management.Automation;
using System.Net.Http;
using DicomTools.Engine.Http;
using DicomTools.Engine.Metadata;

namespace DicomTools.Cmdlets.Commands
{
    /// <summary>Fetches a sample's metadata (patient name, species, test type, clinic) from the lab's metadata API.</summary>
    [Cmdlet(VerbsCommon.Get, "SampleMetadata")]
    [OutputType(typeof(SampleMetadata))]
    public sealed class GetSampleMetadataCommand : HttpCmdletBase
    {
        private MetadataClient? _client;

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("sample_id")]
        [ValidateNotNullOrEmpty]
        public string[] SampleId { get; set; } = Array.Empty<string>();

        /// <summary>Sent as "priority" (the original script sends 2).</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int Priority { get; set; } = MetadataClient.DefaultPriority;

        /// <summary>GET as the contract says; POST for servers (or Windows PowerShell, where GET carries no body) that need the body.</summary>
        [Parameter]
        [ValidateSet("Get", "Post")]
        public string Method { get; set; } = "Get";

        protected override ApiEndpoint Endpoint => ApiEndpoint.Metadata;

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            var endpoint = ResolveEndpoint();
            _client = new MetadataClient(CreateExecutor(), endpoint)
            {
                Priority = Priority,
                Method = string.Equals(Method, "Post", StringComparison.OrdinalIgnoreCase) ? HttpMethod.Post : HttpMethod.Get,
            };
        }

        protected override void ProcessRecord()
        {
            foreach (var sampleId in SampleId)
            {
                if (string.IsNullOrWhiteSpace(sampleId))
                {
                    WriteError(new ErrorRecord(new PSArgumentException("A sample id is empty."), "DicomTools.EmptySampleId", ErrorCategory.InvalidArgument, sampleId));
                    continue;
                }
                try
                {
                    WriteObject(Await(_client!.GetAsync(sampleId, CancellationToken)));
                }
                catch (DicomToolsHttpException ex)
                {
                    WriteHttpError(ex, "DicomTools.MetadataFailed", sampleId);
                }
            }
        }
    }
}
