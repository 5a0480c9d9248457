using System;
using DicomTools.Engine.Settings;

namespace DicomTools.Engine.Http
{
    /// <summary>One of the lab's APIs: the settings of its URL and key, and the header its key travels in by default.</summary>
    public sealed class ApiEndpoint
    {
        public ApiEndpoint(string name, SettingDefinition urlSetting, SettingDefinition keySetting, string defaultKeyHeader)
        {
            Name = name;
            UrlSetting = urlSetting ?? throw new ArgumentNullException(nameof(urlSetting));
            KeySetting = keySetting ?? throw new ArgumentNullException(nameof(keySetting));
            DefaultKeyHeader = defaultKeyHeader;
        }

        public static ApiEndpoint Metadata { get; } = new ApiEndpoint("metadata", LabSettings.MetadataUri, LabSettings.MetadataKey, "x-api-key");

        /// <summary>The upload API takes the key as is in Authorization (no scheme), as the original script sent it.</summary>
        public static ApiEndpoint Upload { get; } = new ApiEndpoint("upload", LabSettings.UploadUri, LabSettings.UploadKey, ApiCredential.AuthorizationHeader);

        public static ApiEndpoint Analytics { get; } = new ApiEndpoint("analytics", LabSettings.AnalyticsUri, LabSettings.AnalyticsKey, "x-api-key");

        public static ApiEndpoint Logs { get; } = new ApiEndpoint("log", LabSettings.LogUri, LabSettings.LogKey, "x-api-key");

        public string Name { get; }
        public SettingDefinition UrlSetting { get; }
        public SettingDefinition KeySetting { get; }
        public string UrlVariable => UrlSetting.Variable;
        public string KeyVariable => KeySetting.Variable;
        public string DefaultKeyHeader { get; }

        public override string ToString() => Name;
    }
}
