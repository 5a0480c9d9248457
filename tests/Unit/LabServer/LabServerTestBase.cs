using System;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using DicomTools.LabServer;
using Xunit;

namespace DicomTools.Tests.Unit.LabServer
{
    /// <summary>A fresh server per test (it starts in tens of milliseconds), so no test sees another's state.</summary>
    public abstract class LabServerTestBase : IAsyncLifetime
    {
        protected LabServerHost Server { get; private set; } = null!;
        protected HttpClient Http { get; private set; } = null!;
        protected string WorkDir { get; } = Path.Combine(Path.GetTempPath(), "dicomtools-labserver-tests-" + Guid.NewGuid().ToString("N"));

        protected virtual LabServerOptions CreateOptions() => new();

        public async Task InitializeAsync()
        {
            Directory.CreateDirectory(WorkDir);
            Server = await LabServerHost.StartAsync(CreateOptions());
            Http = new HttpClient { BaseAddress = Server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        }

        public async Task DisposeAsync()
        {
            Http.Dispose();
            await Server.DisposeAsync();
            try { Directory.Delete(WorkDir, recursive: true); } catch (IOException) { }
        }

        protected LabServerKeys Keys => Server.Options.Keys;

        protected HttpRequestMessage Request(HttpMethod method, string path, string? apiKey = null, string? authorization = null)
        {
            var request = new HttpRequestMessage(method, path);
            if (apiKey != null) request.Headers.TryAddWithoutValidation("x-api-key", apiKey);
            if (authorization != null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
            return request;
        }

        protected static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

        protected async Task<HttpResponseMessage> UploadAsync(byte[] body, string? key = null)
        {
            using var request = Request(HttpMethod.Post, "api/upload", authorization: key ?? Keys.UploadKey);
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
            return await Http.SendAsync(request);
        }

        protected static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
        {
            var text = await response.Content.ReadAsStringAsync();
            return JsonDocument.Parse(text).RootElement.Clone();
        }

        protected async Task<JsonElement> AdminGetAsync(string path)
        {
            using var response = await Http.GetAsync("_admin/" + path);
            response.EnsureSuccessStatusCode();
            return await ReadJsonAsync(response);
        }

        protected static string Str(JsonElement element, string name) => element.GetProperty(name).GetString()!;

        protected static string[] Names(JsonElement array, string property) =>
            array.EnumerateArray().Select(e => e.GetProperty(property).GetString()!).ToArray();
    }
}
