using System;

namespace DicomTools.Engine.Http
{
    /// <summary>One of the lab's APIs: its environment variables and the header its key travels in by default.</summary>
    public sealed class ApiEndpoint
    {
        public ApiEndpoint(string name, string urlVariable, string keyVariable, string defaultKeyHeader)
        {
            Name = name;
            UrlVariable = urlVariable;
            KeyVariable = keyVariable;
            DefaultKeyHeader = defaultKeyHeader;
        }

        public static ApiEndpoint Metadata { get; } = new ApiEndpoint("metadata", "MD_URL", "MD_KEY", "x-api-key");

        /// <summary>The upload API takes the key as is in Authorization (no scheme), as the original script sent it.</summary>
        public static ApiEndpoint Upload { get; } = new ApiEndpoint("upload", "U_URL", "U_KEY", ApiCredential.AuthorizationHeader);

        public static ApiEndpoint Analytics { get; } = new ApiEndpoint("analytics", "A_URL", "A_KEY", "x-api-key");

        public static ApiEndpoint Logs { get; } = new ApiEndpoint("log", "LOG_URL", "LOG_KEY", "x-api-key");

        public string Name { get; }
        public string UrlVariable { get; }
        public string KeyVariable { get; }
        public string DefaultKeyHeader { get; }

        public override string ToString() => Name;
    }
}
