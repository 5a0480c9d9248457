using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;

namespace DicomTools.Engine.Http
{
    /// <summary>
    /// Describes one call and builds a NEW HttpRequestMessage for each attempt (a message, its content and its
    /// stream can be sent only once). Data for GET goes in the query string too, so a server reads either; the
    /// body is left out of GET/HEAD where the runtime cannot send it (.NET Framework).
    /// </summary>
    public sealed class HttpRequestBuilder
    {
        private readonly List<KeyValuePair<string, string>> _query = new List<KeyValuePair<string, string>>();
        private readonly List<KeyValuePair<string, string>> _headers = new List<KeyValuePair<string, string>>();
        private Func<HttpContent>? _content;

        public HttpRequestBuilder(HttpMethod method, Uri uri)
        {
            Method = method ?? throw new ArgumentNullException(nameof(method));
            BaseUri = uri ?? throw new ArgumentNullException(nameof(uri));
            if (!uri.IsAbsoluteUri) throw new ArgumentException("The request URI must be absolute.", nameof(uri));
        }

        public HttpMethod Method { get; }
        public Uri BaseUri { get; }
        public ApiCredential Credential { get; private set; } = ApiCredential.None;

        /// <summary>Whether a GET/HEAD may carry a body; defaults to what the runtime allows.</summary>
        public bool CanSendBodyWithGet { get; set; } = HttpRuntime.CanSendBodyWithGet;

        /// <summary>True when a body was given but is not sent, because the method is GET/HEAD and the runtime cannot.</summary>
        public bool BodyOmitted => _content != null && !MaySendBody;

        public bool HasBody => _content != null && MaySendBody;

        private bool MaySendBody => CanSendBodyWithGet || (Method != HttpMethod.Get && Method != HttpMethod.Head);

        /// <summary>The address requested: <see cref="BaseUri"/> with the query parameters appended (its own query kept).</summary>
        public Uri RequestUri
        {
            get
            {
                if (_query.Count == 0) return BaseUri;
                var builder = new StringBuilder();
                var existing = BaseUri.Query;
                if (existing.Length > 1) builder.Append(existing.Substring(1));
                foreach (var pair in _query)
                {
                    if (builder.Length > 0) builder.Append('&');
                    builder.Append(Uri.EscapeDataString(pair.Key)).Append('=').Append(Uri.EscapeDataString(pair.Value));
                }
                return new UriBuilder(BaseUri) { Query = builder.ToString() }.Uri;
            }
        }

        /// <summary>The address as it may be shown in messages and logs.</summary>
        public string DisplayUri => UriRedaction.Redact(RequestUri);

        public HttpRequestBuilder WithQuery(string name, string value)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("A query parameter needs a name.", nameof(name));
            _query.Add(new KeyValuePair<string, string>(name, value ?? string.Empty));
            return this;
        }

        public HttpRequestBuilder WithHeader(string name, string value)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("A header needs a name.", nameof(name));
            _headers.Add(new KeyValuePair<string, string>(name, value ?? string.Empty));
            return this;
        }

        public HttpRequestBuilder WithCredential(ApiCredential credential)
        {
            Credential = credential ?? throw new ArgumentNullException(nameof(credential));
            return this;
        }

        /// <summary>A JSON body (UTF-8, application/json).</summary>
        public HttpRequestBuilder WithJsonBody(string json)
        {
            if (json == null) throw new ArgumentNullException(nameof(json));
            var bytes = Encoding.UTF8.GetBytes(json);
            return WithContent(() =>
            {
                var content = new ByteArrayContent(bytes);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                return content;
            });
        }

        /// <summary>
        /// A body made fresh for each attempt, e.g. <c>() =&gt; new StreamContent(File.OpenRead(path))</c>: the attempt
        /// disposes the request, which disposes the content and its stream.
        /// </summary>
        public HttpRequestBuilder WithContent(Func<HttpContent> contentFactory)
        {
            _content = contentFactory ?? throw new ArgumentNullException(nameof(contentFactory));
            return this;
        }

        /// <summary>A new message for one attempt.</summary>
        public HttpRequestMessage Build()
        {
            var request = new HttpRequestMessage(Method, RequestUri);
            try
            {
                // Orthanc never answers "Expect: 100-continue"; a client waiting for it stalls on every large body.
                request.Headers.ExpectContinue = false;
                foreach (var header in _headers)
                {
                    if (!request.Headers.TryAddWithoutValidation(header.Key, header.Value))
                        throw new ArgumentException($"'{header.Key}' is not a request header.");
                }
                Credential.Apply(request);
                if (HasBody) request.Content = _content!();
                return request;
            }
            catch
            {
                request.Dispose();
                throw;
            }
        }

        public override string ToString() => $"{Method} {DisplayUri} ({Credential})";
    }
}
