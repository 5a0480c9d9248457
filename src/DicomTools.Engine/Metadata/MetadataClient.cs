using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Engine.Http;

namespace DicomTools.Engine.Metadata
{
    /// <summary>
    /// The metadata API (the original script's contract): GET the URL with the key in x-api-key, a JSON body
    /// {"sample_id", "priority"} and the same in the query string (the body is left out where the runtime cannot
    /// send it with GET; POST when asked). The answer's patient-name, request_species, test_type and clinic-name
    /// become a <see cref="SampleMetadata"/>.
    /// </summary>
    public sealed class MetadataClient
    {
        public const int DefaultPriority = 2;

        /// <summary>The answer's fields that <see cref="SampleMetadata"/> has properties for.</summary>
        private static readonly (string Field, string Property)[] RequiredFields =
        {
            ("patient-name", nameof(SampleMetadata.PatientName)),
            ("request_species", nameof(SampleMetadata.Species)),
            ("test_type", nameof(SampleMetadata.TestType)),
            ("clinic-name", nameof(SampleMetadata.ClinicName)),
        };

        private readonly HttpExecutor _executor;
        private readonly EndpointSettings _endpoint;

        public MetadataClient(HttpExecutor executor, EndpointSettings endpoint)
        {
            _executor = executor ?? throw new ArgumentNullException(nameof(executor));
            _endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        }

        public int Priority { get; set; } = DefaultPriority;

        /// <summary>GET (the contract) or POST (for servers and runtimes where GET cannot carry the body).</summary>
        public HttpMethod Method { get; set; } = HttpMethod.Get;

        /// <summary>Whether a GET may carry the body; the runtime decides by default.</summary>
        public bool CanSendBodyWithGet { get; set; } = HttpRuntime.CanSendBodyWithGet;

        public HttpRequestBuilder BuildRequest(string sampleId)
        {
            ValidateSampleId(sampleId);
            return new HttpRequestBuilder(Method, _endpoint.Uri) { CanSendBodyWithGet = CanSendBodyWithGet }
                .WithCredential(_endpoint.Credential)
                .WithQuery("sample_id", sampleId)
                .WithQuery("priority", Priority.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .WithJsonBody(JsonAnswers.Object(("sample_id", sampleId), ("priority", Priority)));
        }

        /// <exception cref="DicomToolsHttpException">
        /// NotFound naming the sample; Unauthorized/Forbidden; InvalidResponse naming what the answer lacks; any other failure.
        /// </exception>
        public async Task<SampleMetadata> GetAsync(string sampleId, CancellationToken cancellationToken)
        {
            var operation = $"Metadata request for sample '{sampleId}'";
            HttpAnswer answer;
            try
            {
                answer = await _executor.SendAsync(BuildRequest(sampleId), operation, cancellationToken).ConfigureAwait(false);
            }
            catch (DicomToolsHttpException ex) when (ex.Kind == FailureKind.NotFound)
            {
                throw ex.WithMessage($"Sample '{sampleId}' was not found: the metadata API ({ex.Uri}) answered {ex.StatusCode}. Check the sample id.");
            }
            return Parse(sampleId, answer, operation);
        }

        /// <summary>The answer as a <see cref="SampleMetadata"/>; InvalidResponse naming every missing field.</summary>
        public static SampleMetadata Parse(string sampleId, HttpAnswer answer, string operation)
        {
            using var document = JsonAnswers.ParseObject(answer, operation);
            var root = document.RootElement;
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                var text = JsonAnswers.AsText(property.Value);
                if (text != null) values[property.Name] = text;
            }

            var missing = RequiredFields.Where(f => !values.TryGetValue(f.Field, out var v) || string.IsNullOrWhiteSpace(v)).Select(f => f.Field).ToList();
            if (missing.Count > 0)
            {
                throw DicomToolsHttpException.InvalidAnswer(answer,
                    $"{operation}: the answer lacks {(missing.Count == 1 ? "the field" : "the fields")} {string.Join(", ", missing.Select(m => "'" + m + "'"))} "
                    + $"(it has: {(values.Count == 0 ? "nothing" : string.Join(", ", values.Keys))}).");
            }
            if (values.TryGetValue("sample_id", out var answeredFor) && !string.Equals(answeredFor, sampleId, StringComparison.Ordinal))
            {
                // Tagging images with another sample's patient would be worse than failing.
                throw DicomToolsHttpException.InvalidAnswer(answer, $"{operation}: the answer is for sample '{answeredFor}', not '{sampleId}'.");
            }

            var metadata = new SampleMetadata
            {
                SampleId = sampleId,
                PatientName = values["patient-name"],
                Species = values["request_species"],
                TestType = values["test_type"],
                ClinicName = values["clinic-name"],
            };
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name == "sample_id" || RequiredFields.Any(f => f.Field == property.Name)) continue;
                metadata.AdditionalFields[property.Name] = JsonAnswers.AsText(property.Value) ?? "null";
            }
            return metadata;
        }

        private static void ValidateSampleId(string sampleId)
        {
            if (string.IsNullOrWhiteSpace(sampleId)) throw new ArgumentException("The sample id is empty.", nameof(sampleId));
        }
    }
}
