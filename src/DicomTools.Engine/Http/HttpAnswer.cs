using System;
using System.Collections.Generic;

namespace DicomTools.Engine.Http
{
    /// <summary>What the server answered to a call that succeeded (or whose status the caller reads itself), and what it took.</summary>
    public sealed class HttpAnswer
    {
        public HttpAnswer(string method, string uri, int statusCode, string? reasonPhrase, string? contentType,
            string body, IReadOnlyDictionary<string, string> headers, int attempts, TimeSpan duration)
        {
            Method = method;
            Uri = uri;
            StatusCode = statusCode;
            ReasonPhrase = reasonPhrase;
            ContentType = contentType;
            Body = body;
            Headers = headers;
            Attempts = attempts;
            Duration = duration;
        }

        public string Method { get; }

        /// <summary>The request URI as it may be shown (<see cref="UriRedaction"/>).</summary>
        public string Uri { get; }

        public int StatusCode { get; }
        public string? ReasonPhrase { get; }

        /// <summary>The media type of the body (without parameters), e.g. <c>application/json</c>.</summary>
        public string? ContentType { get; }

        /// <summary>The body as text (decoded with the charset the server declared, UTF-8 otherwise).</summary>
        public string Body { get; }

        /// <summary>Response and content headers, case-insensitive; several values are joined with ", ".</summary>
        public IReadOnlyDictionary<string, string> Headers { get; }

        /// <summary>Attempts made, 1 when the first one succeeded.</summary>
        public int Attempts { get; }

        /// <summary>From the first attempt to the last answer read, delays included.</summary>
        public TimeSpan Duration { get; }
    }
}
