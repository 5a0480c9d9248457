using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text;
using DicomTools.Engine.Analytics;
using DicomTools.Engine.Http;
using DicomTools.Engine.Logging;
using DicomTools.Engine.Settings;
using DicomTools.Engine.Metadata;
using Xunit;
using static DicomTools.Tests.Unit.Http.HttpExecutorTests;

namespace DicomTools.Tests.Unit.Http
{
    public class RequestBuildingTests
    {
        private static readonly Uri Api = new Uri("https://lab.example/api/metadata");

        private static string Header(HttpRequestMessage request, string name) =>
            string.Join(",", request.Headers.GetValues(name));

        [Fact]
        public void ApiKeyGoesAsIsInItsHeader()
        {
            using var request = new HttpRequestBuilder(HttpMethod.Get, Api)
                .WithCredential(ApiCredential.ApiKey(Secure(DistinctiveKey), "x-api-key")).Build();
            Assert.Equal(DistinctiveKey, Header(request, "x-api-key"));
            Assert.False(request.Headers.Contains("Authorization"));
        }

        [Fact]
        public void UploadKeyGoesRawInAuthorizationWithoutAScheme()
        {
            using var request = new HttpRequestBuilder(HttpMethod.Post, Api)
                .WithCredential(ApiCredential.ApiKey(Secure("raw-upload-key"), ApiEndpoint.Upload.DefaultKeyHeader)).Build();
            Assert.Equal("raw-upload-key", Header(request, "Authorization"));
        }

        [Fact]
        public void BasicAndBearerUseAuthorizationSchemes()
        {
            using var basic = new HttpRequestBuilder(HttpMethod.Get, Api).WithCredential(ApiCredential.Basic("orthanc", Secure("pässword"))).Build();
            Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("orthanc:pässword")), Header(basic, "Authorization"));
            using var bearer = new HttpRequestBuilder(HttpMethod.Get, Api).WithCredential(ApiCredential.Bearer(Secure("tok-123"))).Build();
            Assert.Equal("Bearer tok-123", Header(bearer, "Authorization"));
        }

        [Fact]
        public void NeverAsksForExpectContinue()
        {
            using var request = new HttpRequestBuilder(HttpMethod.Post, Api).WithJsonBody("{}").Build();
            Assert.False(request.Headers.ExpectContinue ?? false);
            Assert.DoesNotContain(request.Headers, h => h.Key.Equals("Expect", StringComparison.OrdinalIgnoreCase) && h.Value.Any(v => v.Contains("100")));
        }

        [Fact]
        public void QueryIsAppendedToAnExistingQueryAndEscaped()
        {
            var builder = new HttpRequestBuilder(HttpMethod.Get, new Uri("https://lab.example/api/metadata?code=abc"))
                .WithQuery("sample_id", "ref 22&x=é").WithQuery("priority", "2");
            Assert.Equal("?code=abc&sample_id=ref%2022%26x%3D%C3%A9&priority=2", builder.RequestUri.Query);
        }

        [Fact]
        public async System.Threading.Tasks.Task GetCarriesTheBodyWhereTheRuntimeCan_AndOnlyTheQueryWhereItCannot()
        {
            var withBody = new HttpRequestBuilder(HttpMethod.Get, Api) { CanSendBodyWithGet = true }.WithQuery("a", "1").WithJsonBody("{\"a\":1}");
            using (var request = withBody.Build())
            {
                Assert.NotNull(request.Content);
                Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);
                Assert.Equal("{\"a\":1}", await request.Content.ReadAsStringAsync());
                Assert.False(withBody.BodyOmitted);
            }
            var withoutBody = new HttpRequestBuilder(HttpMethod.Get, Api) { CanSendBodyWithGet = false }.WithQuery("a", "1").WithJsonBody("{\"a\":1}");
            using (var request = withoutBody.Build())
            {
                Assert.Null(request.Content);
                Assert.Equal("?a=1", request.RequestUri!.Query);
                Assert.True(withoutBody.BodyOmitted);
            }
            var post = new HttpRequestBuilder(HttpMethod.Post, Api) { CanSendBodyWithGet = false }.WithJsonBody("{\"a\":1}");
            using (var request = post.Build()) Assert.NotNull(request.Content);
        }

        [Fact]
        public void EachAttemptGetsANewMessageAndANewContent()
        {
            var opened = 0;
            var builder = new HttpRequestBuilder(HttpMethod.Post, Api).WithContent(() =>
            {
                opened++;
                return new StringContent("x");
            });
            using var first = builder.Build();
            using var second = builder.Build();
            Assert.NotSame(first, second);
            Assert.NotSame(first.Content, second.Content);
            Assert.Equal(2, opened);
        }

        [Fact]
        public async System.Threading.Tasks.Task MetadataRequestHasBodyAndQueryAsTheContractSays()
        {
            var endpoint = EndpointSettings.Resolve(ApiEndpoint.Metadata, Api, ApiCredential.ApiKey(Secure(DistinctiveKey), "x-api-key"), null, new FakeEnvironment());
            var client = new MetadataClient(new HttpExecutor(new HttpClient(), FastRetries()), endpoint) { CanSendBodyWithGet = true };
            using var request = client.BuildRequest("ref0000022tes-cbc").Build();
            Assert.Equal(HttpMethod.Get, request.Method);
            Assert.Equal("?sample_id=ref0000022tes-cbc&priority=2", request.RequestUri!.Query);
            Assert.Equal("{\"sample_id\":\"ref0000022tes-cbc\",\"priority\":2}", await request.Content!.ReadAsStringAsync());
        }

        [Fact]
        public async System.Threading.Tasks.Task AnalyticsRequestCarriesSampleAndRequestType()
        {
            var endpoint = EndpointSettings.Resolve(ApiEndpoint.Analytics, new Uri("http://127.0.0.1:9/api/analytics"), null, null,
                new FakeEnvironment { ["A_KEY"] = DistinctiveKey });
            var client = new AnalyticsClient(new HttpExecutor(new HttpClient(), FastRetries()), endpoint) { CanSendBodyWithGet = true };
            using var request = client.BuildRequest("s-1", "CBC").Build();
            Assert.Equal("?sample_id=s-1&request_type=CBC", request.RequestUri!.Query);
            Assert.Equal("{\"sample_id\":\"s-1\",\"request_type\":\"CBC\"}", await request.Content!.ReadAsStringAsync());
            Assert.Equal(DistinctiveKey, Header(request, "x-api-key"));
        }

        [Fact]
        public void TextsNeverShowTheSecret()
        {
            var credentials = new[]
            {
                ApiCredential.ApiKey(Secure(DistinctiveKey), "x-api-key"),
                ApiCredential.Basic("user", Secure(DistinctiveKey)),
                ApiCredential.Bearer(Secure(DistinctiveKey)),
            };
            foreach (var credential in credentials)
            {
                var builder = new HttpRequestBuilder(HttpMethod.Get, Api).WithCredential(credential);
                var endpoint = EndpointSettings.Resolve(ApiEndpoint.Metadata, Api, credential, null, new FakeEnvironment());
                foreach (var text in new[] { credential.ToString(), builder.ToString(), endpoint.ToString() })
                    Assert.DoesNotContain(DistinctiveKey, text);
                using var request = builder.Build();
                var wireValue = request.Headers.First(h => h.Key == credential.HeaderName).Value.Single();
                Assert.Equal("server says: *** is wrong", credential.Redact($"server says: {wireValue.Split(' ').Last()} is wrong"));
            }
        }

        [Theory]
        [InlineData("https://u:p@lab.example:8443/api?sample_id=1&api_key=SECRET&token=T", "https://lab.example:8443/api?sample_id=1&api_key=***&token=***")]
        [InlineData("http://lab.example/api", "http://lab.example/api")]
        public void UrisAreShownWithoutSecrets(string uri, string shown) => Assert.Equal(shown, UriRedaction.Redact(new Uri(uri)));
    }

    /// <summary>Environment variables for a test: becomes the settings layers (no .env file) wherever a resolver is wanted.</summary>
    internal sealed class FakeEnvironment : Dictionary<string, string>
    {
        public string? Get(string name) => TryGetValue(name, out var value) && value.Length > 0 ? value : null;

        public static implicit operator SettingsResolver(FakeEnvironment environment) =>
            new SettingsResolver(environment.Get, DotEnvFile.Empty, new Redactor());
    }

    public class EndpointSettingsTests
    {
        [Fact]
        public void FallsBackToTheEnvironment()
        {
            var environment = new FakeEnvironment { ["MD_URL"] = "http://127.0.0.1:5000/api/metadata", ["MD_KEY"] = DistinctiveKey };
            var settings = EndpointSettings.Resolve(ApiEndpoint.Metadata, null, null, null, environment);
            Assert.Equal(new Uri("http://127.0.0.1:5000/api/metadata"), settings.Uri);
            Assert.Equal(SettingLayer.Environment, settings.UriSource);
            Assert.Equal(SettingLayer.Environment, settings.CredentialSource);
            Assert.Equal("x-api-key", settings.Credential.HeaderName);
            using var request = new HttpRequestBuilder(HttpMethod.Get, settings.Uri).WithCredential(settings.Credential).Build();
            Assert.Equal(DistinctiveKey, request.Headers.GetValues("x-api-key").Single());
        }

        [Fact]
        public void ParametersWinOverTheEnvironment_AndTheHeaderIsSettable()
        {
            var environment = new FakeEnvironment { ["U_URL"] = "http://env.example/", ["U_KEY"] = "env-key" };
            var fromEnvironmentKey = EndpointSettings.Resolve(ApiEndpoint.Upload, new Uri("http://param.example/"), null, "X-Upload-Key", environment);
            Assert.Equal("param.example", fromEnvironmentKey.Uri.Host);
            Assert.Equal(SettingLayer.Parameter, fromEnvironmentKey.UriSource);
            Assert.Equal("X-Upload-Key", fromEnvironmentKey.Credential.HeaderName);
            Assert.Equal("Authorization", EndpointSettings.Resolve(ApiEndpoint.Upload, null, null, null, environment).Credential.HeaderName);
        }

        [Theory]
        [InlineData("A_URL")]
        [InlineData("A_KEY")]
        public void AMissingSettingIsNamedByItsVariable_NotByAnyCmdletParameter(string variable)
        {
            var environment = new FakeEnvironment { ["A_URL"] = "http://127.0.0.1/", ["A_KEY"] = "k-1234" };
            environment.Remove(variable);
            var ex = Assert.Throws<MissingSettingsException>(() => EndpointSettings.Resolve(ApiEndpoint.Analytics, null, null, null, environment));
            var missing = Assert.Single(ex.Missing);
            Assert.Equal(variable, missing.Variable);
            Assert.Contains(variable, ex.Message);
            // The Engine does not know the cmdlets' parameters: the cmdlet layer phrases those.
            Assert.DoesNotContain("-Uri", ex.Message);
            Assert.DoesNotContain("-ApiKey", ex.Message);
        }

        [Fact]
        public void BothMissingAreNamedInOneException()
        {
            var ex = Assert.Throws<MissingSettingsException>(() => EndpointSettings.Resolve(ApiEndpoint.Metadata, null, null, null, new FakeEnvironment()));
            Assert.Equal(new[] { "MD_URL", "MD_KEY" }, ex.Missing.Select(m => m.Variable));
        }

        [Fact]
        public void AKeyFromTheEnvFileSaysSo()
        {
            var settings = new SettingsResolver(_ => null, DotEnvFile.Parse("MD_URL=http://md.example/\nMD_KEY=k-5678\n", _ => null, "/cfg/.env"), new Redactor());
            var endpoint = EndpointSettings.Resolve(ApiEndpoint.Metadata, null, null, null, settings);
            Assert.Equal(SettingLayer.EnvFile, endpoint.UriSource);
            Assert.Equal(SettingLayer.EnvFile, endpoint.CredentialSource);
            Assert.Equal("/cfg/.env", endpoint.UriOrigin!.EnvFilePath);
        }

        [Theory]
        [InlineData("ftp://lab.example/x")]
        [InlineData("not a url")]
        public void RejectsUrlsThatAreNotHttp(string url)
        {
            var environment = new FakeEnvironment { ["MD_URL"] = url, ["MD_KEY"] = "k-1234" };
            var ex = Assert.Throws<InvalidSettingException>(() => EndpointSettings.Resolve(ApiEndpoint.Metadata, null, null, null, environment));
            Assert.Contains("MD_URL", ex.Message);
            Assert.Equal(SettingLayer.Environment, ex.Layer);
            Assert.Equal("-Uri " + ex.MessageTemplate.Substring(InvalidSettingException.OriginPlaceholder.Length + 1), ex.MessageFor("-Uri"));
        }
    }
}
