using System;

namespace DicomTools.Engine.Http
{
    /// <summary>
    /// A failed HTTP call, typed: what kind of failure, the status (if the server answered), the address (secrets
    /// hidden), how many attempts were made and a short, redacted excerpt of the answer. The message never contains
    /// a credential.
    /// </summary>
    public sealed class DicomToolsHttpException : Exception
    {
        public const int MaximumExcerptLength = 300;

        public DicomToolsHttpException(string message, FailureKind kind, string method, string uri, int? statusCode,
            int attempts, TimeSpan duration, string? bodyExcerpt, Exception? innerException = null, FailureRemedy remedy = FailureRemedy.None)
            : base(message, innerException)
        {
            Remedy = remedy;
            Kind = kind;
            Method = method;
            Uri = uri;
            StatusCode = statusCode;
            Attempts = attempts;
            Duration = duration;
            BodyExcerpt = bodyExcerpt;
        }

        public FailureKind Kind { get; }

        /// <summary>What the caller can change to cure it; the message does not say it in parameter names (the cmdlets do).</summary>
        public FailureRemedy Remedy { get; }

        public string Method { get; }

        /// <summary>The request URI as it may be shown (<see cref="UriRedaction"/>).</summary>
        public string Uri { get; }

        /// <summary>The last status the server answered with; null when no answer came (connection, timeout, cancel).</summary>
        public int? StatusCode { get; }

        public int Attempts { get; }

        public TimeSpan Duration { get; }

        /// <summary>The first characters of the last answer's body, already redacted; null when there was none.</summary>
        public string? BodyExcerpt { get; }

        /// <summary>True when retrying was not tried because the failure cannot be cured by waiting (400, 401, 404...).</summary>
        public bool IsPermanent => StatusCode.HasValue && !HttpStatusPolicy.IsRetryable(StatusCode.Value);

        /// <summary>The same failure told in the caller's terms, e.g. naming the sample that was not found.</summary>
        public DicomToolsHttpException WithMessage(string message) =>
            new DicomToolsHttpException(message, Kind, Method, Uri, StatusCode, Attempts, Duration, BodyExcerpt, InnerException, Remedy);

        /// <summary>The same call, reclassified (a 200 whose body is unusable becomes <see cref="FailureKind.InvalidResponse"/>).</summary>
        public static DicomToolsHttpException InvalidAnswer(HttpAnswer answer, string message) =>
            new DicomToolsHttpException(message, FailureKind.InvalidResponse, answer.Method, answer.Uri, answer.StatusCode,
                answer.Attempts, answer.Duration, Excerpt(answer.Body));

        internal static string? Excerpt(string? body)
        {
            if (string.IsNullOrEmpty(body)) return null;
            var text = body!.Replace("\r", " ").Replace("\n", " ").Trim();
            return text.Length <= MaximumExcerptLength ? text : text.Substring(0, MaximumExcerptLength) + "…";
        }
    }
}
