using System;
using System.Collections.Generic;
using System.Management.Automation;
using DicomTools.Engine.Http;
using DicomTools.Engine.Preflight;

namespace DicomTools.Cmdlets.Commands
{
    /// <summary>
    /// <para type="synopsis">Checks, before a run, that every API Invoke-SampleUpload would use answers: DNS, TCP, TLS and the credential.</para>
    /// <para type="description">
    /// Settings are resolved exactly as Invoke-SampleUpload resolves them (parameter, environment, -EnvFile or ./.env).
    /// One ConnectionCheckResult per API (metadata, upload, analytics, and the log API when LOG_URL is set) with a
    /// verdict, the reason in words and what to do. Nothing is changed: only requests that read are sent.
    /// </para>
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "SampleConnection")]
    [OutputType(typeof(ConnectionCheckResult))]
    public sealed class TestSampleConnectionCommand : SampleApisCmdletBase
    {
        /// <summary>A sample whose metadata is fetched to prove the metadata key (the metadata API has no other harmless request).</summary>
        [Parameter(Position = 0)]
        [Alias("sample_id")]
        [ValidateNotNullOrEmpty]
        public string? SampleId { get; set; }

        protected override int DefaultTimeoutSec => 10;

        protected override void EndProcessing()
        {
            try
            {
                Check();
            }
            finally
            {
                DrainLog();
                DisposeCancellation();
            }
        }

        private void Check()
        {
            RegisterParameterSecrets();
            var given = new Dictionary<ApiEndpoint, (Uri?, ApiCredential?)>
            {
                [ApiEndpoint.Metadata] = (MetadataUri, KeyCredential(MetadataApiKey, ApiEndpoint.Metadata)),
                [ApiEndpoint.Upload] = (UploadUri, UploadCredentialFromParameters()),
                [ApiEndpoint.Analytics] = (AnalyticsUri, KeyCredential(AnalyticsApiKey, ApiEndpoint.Analytics)),
                [ApiEndpoint.Logs] = (LogUri, KeyCredential(LogApiKey, ApiEndpoint.Logs)),
            };
            var targets = ConnectionPreflight.ResolveTargets(Settings, given);
            foreach (var target in targets)
            {
                if (target.Endpoint == null) continue;
                Redactor.Register(target.Endpoint.Credential);
                // The same rule as every HTTP cmdlet: a password or token is never sent over plain http unless allowed.
                if (TransportSecurity.Judge(target.Endpoint.Uri, target.Endpoint.Credential, AllowUnencryptedAuthentication.IsPresent) == TransportVerdict.Refused)
                {
                    target.SettingsProblem = TransportSecurity.RefusalMessage(target.Endpoint.Uri, target.Endpoint.Credential, "-" + nameof(AllowUnencryptedAuthentication));
                    target.SettingsAction = "Use an https:// URL, or add -AllowUnencryptedAuthentication.";
                }
            }

            var retry = RetryOptions();
            // A preflight wants the first answer: retries only when asked for.
            if (!MyInvocation.BoundParameters.ContainsKey(nameof(MaximumRetryCount))) retry.MaximumRetryCount = 0;
            var preflight = new ConnectionPreflight(CreateExecutor(retry), new PreflightOptions
            {
                SampleId = SampleId,
                SkipCertificateCheck = SkipCertificateCheck.IsPresent,
                Proxy = Proxy,
                Timeout = retry.AttemptTimeout,
            }, Redactor, null, LogQueue);

            foreach (var target in targets)
            {
                WriteProgress(new ProgressRecord(0x7e57, "Test-SampleConnection", $"Checking the {target.Api} API ({target.Setting.Variable})"));
                var result = Await(preflight.CheckAsync(target, CancellationToken));
                WriteObject(result);
            }
            WriteProgress(new ProgressRecord(0x7e57, "Test-SampleConnection", "Done") { RecordType = ProgressRecordType.Completed });
        }
    }
}
