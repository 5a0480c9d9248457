using System;
using System.Linq;
using System.Management.Automation;
using DicomTools.Engine.Http;
using DicomTools.Engine.Settings;

namespace DicomTools.Cmdlets
{
    /// <summary>The one mapping from an HTTP failure to a PowerShell error record, shared by every HTTP cmdlet.</summary>
    public static class HttpErrorRecords
    {
        public static ErrorCategory CategoryOf(FailureKind kind) => kind switch
        {
            FailureKind.NotFound => ErrorCategory.ObjectNotFound,
            FailureKind.Unauthorized => ErrorCategory.PermissionDenied,
            FailureKind.Forbidden => ErrorCategory.PermissionDenied,
            FailureKind.BadRequest => ErrorCategory.InvalidArgument,
            FailureKind.Conflict => ErrorCategory.ResourceExists,
            FailureKind.PayloadTooLarge => ErrorCategory.LimitsExceeded,
            FailureKind.UnsupportedMediaType => ErrorCategory.InvalidData,
            FailureKind.Timeout => ErrorCategory.OperationTimeout,
            FailureKind.ConnectionFailed => ErrorCategory.ConnectionError,
            FailureKind.ServerError => ErrorCategory.ResourceUnavailable,
            FailureKind.InvalidResponse => ErrorCategory.InvalidData,
            FailureKind.Cancelled => ErrorCategory.OperationStopped,
            _ => ErrorCategory.NotSpecified,
        };

        /// <summary>
        /// An error record for <paramref name="exception"/>: id "<paramref name="errorIdPrefix"/>.&lt;Kind&gt;"
        /// (e.g. DicomTools.MetadataFailed.NotFound), the category of its kind, and <paramref name="target"/>
        /// (the sample, the file) or else the redacted URI. The recommended action says what to do.
        /// </summary>
        public static ErrorRecord Create(DicomToolsHttpException exception, string errorIdPrefix, object? target = null)
        {
            if (exception == null) throw new ArgumentNullException(nameof(exception));
            var record = new ErrorRecord(exception, errorIdPrefix + "." + exception.Kind, CategoryOf(exception.Kind), target ?? exception.Uri);
            record.ErrorDetails = new ErrorDetails(Describe(exception))
            {
                RecommendedAction = RecommendedAction(exception.Remedy) ?? RecommendedAction(exception.Kind),
            };
            return record;
        }

        /// <summary>The failure as the Engine told it, then its remedy in this module's parameter names.</summary>
        public static string Describe(DicomToolsHttpException exception)
        {
            if (exception == null) throw new ArgumentNullException(nameof(exception));
            return RecommendedAction(exception.Remedy) is string remedy ? exception.Message + " " + remedy : exception.Message;
        }

        private static string? RecommendedAction(FailureRemedy remedy) => remedy switch
        {
            FailureRemedy.LongerAttemptTimeout => "Raise -TimeoutSec if the server is just slow.",
            FailureRemedy.TrustServerCertificate => "Or use -SkipCertificateCheck for a test server.",
            FailureRemedy.ProxyCredential => "Check -ProxyCredential.",
            _ => null,
        };

        /// <summary>
        /// Settings that are neither parameters nor in the environment or .env file, phrased with the cmdlet's
        /// parameter names (<paramref name="parameterOf"/>) and the variables, all in one record.
        /// </summary>
        public static ErrorRecord MissingSettings(MissingSettingsException exception, Func<SettingDefinition, string> parameterOf,
            string errorId, string consequence)
        {
            if (exception == null) throw new ArgumentNullException(nameof(exception));
            var missing = exception.Missing;
            var items = string.Join("; ", missing.Select(m => $"{m.Description}: pass {parameterOf(m)} or set {m.Variable}"));
            var where = exception.EnvFilePath == null
                ? "in the environment or in a .env file (-EnvFile, or ./.env)"
                : $"in the environment or in {exception.EnvFilePath}";
            var message = $"Missing setting{(missing.Count == 1 ? "" : "s")} ({items}), {where}. {consequence}";
            return new ErrorRecord(new PSArgumentException(message, exception), errorId, ErrorCategory.InvalidArgument,
                string.Join(",", missing.Select(m => m.Variable)))
            {
                ErrorDetails = new ErrorDetails(message)
                {
                    RecommendedAction = "Give " + string.Join(", ", missing.Select(parameterOf)) + ", or set "
                        + string.Join(", ", missing.Select(m => m.Variable)) + " in the environment or the .env file.",
                },
            };
        }

        private static string RecommendedAction(FailureKind kind) => kind switch
        {
            FailureKind.NotFound => "Check the identifier and the URL.",
            FailureKind.Unauthorized or FailureKind.Forbidden => "Check the key or credential (-ApiKey, -Credential, -Token or the environment variable) and -ApiKeyHeader.",
            FailureKind.Timeout => "Raise -TimeoutSec or -MaximumRetryCount, or check the server.",
            FailureKind.ConnectionFailed => "Check the URL, the network, -Proxy and that the server is running.",
            FailureKind.ServerError => "Try again later, or raise -MaximumRetryCount / -RetryIntervalSec.",
            FailureKind.PayloadTooLarge => "Raise the server's upload limit or send smaller files.",
            FailureKind.InvalidResponse => "Check that the URL points at the right API.",
            FailureKind.Cancelled => "The operation was stopped.",
            _ => "Check the request's parameters.",
        };
    }
}
