using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Dicom.Network;
using DicomTools.Engine.Http;
using DicomTools.Engine.Logging;
using DicomTools.Engine.Metadata;
using DicomTools.Engine.Settings;
using Microsoft.Extensions.Logging;

namespace DicomTools.Engine.Preflight
{
    /// <summary>One API to check, as the settings layers resolved it (or why they could not).</summary>
    public sealed class PreflightTarget
    {
        public PreflightTarget(string api, SettingDefinition setting) { Api = api; Setting = setting; }
        public string Api { get; }
        public SettingDefinition Setting { get; }
        public EndpointSettings? Endpoint { get; set; }
        /// <summary>A dicom:// upload URL: checked with C-ECHO, carries no HTTP credential.</summary>
        public Uri? DicomUri { get; set; }
        /// <summary>Why the settings give no usable endpoint (missing or invalid), for a Failed result at the Settings step.</summary>
        public string? SettingsProblem { get; set; }
        public string? SettingsAction { get; set; }
    }

    public sealed class PreflightOptions
    {
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
        public bool SkipCertificateCheck { get; set; }
        /// <summary>With a proxy, the server is not reached directly: DNS, TCP and TLS are the proxy's business and not checked.</summary>
        public Uri? Proxy { get; set; }
        /// <summary>A sample whose metadata proves the metadata key works (the API has no other harmless request).</summary>
        public string? SampleId { get; set; }
        /// <summary>A certificate expiring sooner than this is Ok, with a warning in <see cref="ConnectionCheckResult.Reason"/>.</summary>
        public TimeSpan ExpiryWarning { get; set; } = TimeSpan.FromDays(30);
        public string CallingAETitle { get; set; } = DicomAssociationOptions.DefaultCallingAETitle;
    }

    /// <summary>
    /// Test-SampleConnection's engine: for each API, DNS, a TCP connection, the TLS handshake (protocol, certificate,
    /// validation errors) and, where the API has a request that changes nothing, the credential; C-ECHO for a
    /// dicom:// upload URL. Never throws for what it finds: each API gets one result with a verdict, a reason and
    /// what to do. Messages are redacted: a key never reaches a result.
    /// </summary>
    public sealed class ConnectionPreflight
    {
        private readonly HttpExecutor _executor;
        private readonly PreflightOptions _options;
        private readonly Redactor _redactor;
        private readonly TimeProvider _time;
        private readonly ILogger _log;

        public ConnectionPreflight(HttpExecutor executor, PreflightOptions options, Redactor? redactor = null, TimeProvider? time = null, ILoggerProvider? logs = null)
        {
            _executor = executor ?? throw new ArgumentNullException(nameof(executor));
            _options = options ?? new PreflightOptions();
            _redactor = redactor ?? new Redactor();
            _time = time ?? TimeProvider.System;
            _log = logs?.CreateLogger("Test-SampleConnection") ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        }

        /// <summary>
        /// The APIs Invoke-SampleUpload would use, resolved the same way (parameter, environment, .env): metadata,
        /// upload and analytics always, the log API when its URL is set. A missing or invalid setting is a target
        /// with <see cref="PreflightTarget.SettingsProblem"/>, not an exception: the other APIs are still checked.
        /// </summary>
        public static IReadOnlyList<PreflightTarget> ResolveTargets(SettingsResolver settings,
            IReadOnlyDictionary<ApiEndpoint, (Uri? Uri, ApiCredential? Credential)> given)
        {
            if (settings == null) throw new ArgumentNullException(nameof(settings));
            given ??= new Dictionary<ApiEndpoint, (Uri?, ApiCredential?)>();
            var targets = new List<PreflightTarget>();
            foreach (var (api, label) in new[] { (ApiEndpoint.Metadata, "Metadata"), (ApiEndpoint.Upload, "Upload"), (ApiEndpoint.Analytics, "Analytics"), (ApiEndpoint.Logs, "Log") })
            {
                given.TryGetValue(api, out var g);
                if (api == ApiEndpoint.Logs && g.Uri == null && settings.Resolve(LabSettings.LogUri, null) == null) continue;
                var target = new PreflightTarget(label, api.UrlSetting);
                targets.Add(target);
                // A dicom:// upload URL (C-STORE) needs no key: check it with C-ECHO whatever EndpointSettings accepts.
                var rawUri = g.Uri ?? (Uri.TryCreate(settings.Resolve(api.UrlSetting, null)?.Value.Trim() ?? string.Empty, UriKind.Absolute, out var u) ? u : null);
                if (api == ApiEndpoint.Upload && rawUri != null && string.Equals(rawUri.Scheme, "dicom", StringComparison.OrdinalIgnoreCase))
                {
                    target.DicomUri = rawUri;
                    continue;
                }
                try
                {
                    var missing = new List<SettingDefinition>();
                    target.Endpoint = EndpointSettings.TryResolve(api, g.Uri, g.Credential, null, settings, missing);
                    if (target.Endpoint == null)
                    {
                        target.SettingsProblem = settings.Missing(missing).Message;
                        target.SettingsAction = $"Set {string.Join(" and ", missing.Select(m => m.Variable))} (parameter, environment variable, or the .env file).";
                    }
                }
                catch (InvalidSettingException ex)
                {
                    target.SettingsProblem = ex.Message;
                    target.SettingsAction = $"Correct {ex.Setting.Variable}.";
                }
            }
            return targets;
        }

        public async Task<ConnectionCheckResult> CheckAsync(PreflightTarget target, CancellationToken cancellationToken)
        {
            if (target == null) throw new ArgumentNullException(nameof(target));
            var started = _time.GetTimestamp();
            var result = new ConnectionCheckResult(target.Api, target.Setting.Variable);
            try
            {
                if (target.SettingsProblem != null || (target.Endpoint == null && target.DicomUri == null))
                {
                    result.Fail(ConnectionCheckStep.Settings, target.SettingsProblem ?? "No URL.", target.SettingsAction ?? $"Set {target.Setting.Variable}.");
                    return result;
                }
                if (target.DicomUri != null)
                {
                    await CheckDicomAsync(target.DicomUri, result, cancellationToken).ConfigureAwait(false);
                    return result;
                }
                var endpoint = target.Endpoint!;
                result.Uri = UriRedaction.Redact(endpoint.Uri);
                result.Source = endpoint.UriOrigin?.Origin ?? "a parameter";
                if (_options.Proxy == null)
                {
                    if (!await CheckTransportAsync(endpoint.Uri, endpoint.Setting(), result, cancellationToken).ConfigureAwait(false)) return result;
                }
                await CheckCredentialAsync(target, endpoint, result, cancellationToken).ConfigureAwait(false);
                return result;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                result.Fail(result.FailedStep == ConnectionCheckStep.None ? ConnectionCheckStep.Authentication : result.FailedStep,
                    _redactor.Redact($"Unexpected {ex.GetType().Name}: {ex.Message}"), "Run again with -Verbose and report it if it persists.");
                return result;
            }
            finally
            {
                result.DurationSec = Math.Round(_time.GetElapsedTime(started).TotalSeconds, 3);
                result.Reason = _redactor.Redact(result.Reason);
            }
        }

        /// <summary>DNS, TCP and (for https) TLS to the server itself; false when a step failed (the result says why).</summary>
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5359",
            Justification = "The handshake only inspects the certificate: the callback records it and its errors, the verdict is made from them below, and nothing is ever sent on this connection.")]
        private async Task<bool> CheckTransportAsync(Uri uri, string setting, ConnectionCheckResult result, CancellationToken cancellationToken)
        {
            var host = uri.DnsSafeHost;
            IPAddress[] addresses;
            try
            {
                addresses = IPAddress.TryParse(host, out var literal) ? new[] { literal } : await WithTimeout(Dns.GetHostAddressesAsync(host), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException || ex is TimeoutException || ex is ArgumentException)
            {
                result.Fail(ConnectionCheckStep.Dns, $"The host name '{host}' does not resolve: {ex.Message}.",
                    $"Check the host name in {setting}, and this machine's DNS (or hosts file).");
                return false;
            }
            result.Addresses = string.Join(", ", addresses.Select(a => a.ToString()));
            if (addresses.Length == 0)
            {
                result.Fail(ConnectionCheckStep.Dns, $"The host name '{host}' resolves to no address.", $"Check the host name in {setting}.");
                return false;
            }

            using var tcp = new TcpClient(addresses[0].AddressFamily);
            try
            {
                await WithTimeout(tcp.ConnectAsync(addresses, uri.Port), cancellationToken).ConfigureAwait(false);
                result.TcpConnected = true;
            }
            catch (Exception ex) when (ex is SocketException || ex is TimeoutException)
            {
                result.TcpConnected = false;
                var refused = ex is SocketException s && s.SocketErrorCode == SocketError.ConnectionRefused;
                result.Fail(ConnectionCheckStep.Tcp,
                    refused ? $"Connection refused by {host}:{uri.Port}: nothing listens on that port."
                            : $"No TCP connection to {host}:{uri.Port}: {ex.Message}.",
                    refused ? $"Check the port in {setting} and that the server is running."
                            : $"Check that {host}:{uri.Port} is reachable from this machine (firewall, VPN, the server running).");
                return false;
            }
            if (uri.Scheme != Uri.UriSchemeHttps) return true;

            X509Certificate2? certificate = null;
            var errors = SslPolicyErrors.None;
            using var ssl = new SslStream(tcp.GetStream(), false, (sender, cert, chain, policyErrors) =>
            {
                if (cert != null) certificate = new X509Certificate2(cert);
                errors = policyErrors;
                return true; // we judge below, with the certificate's details in hand
            });
            try
            {
                await WithTimeout(ssl.AuthenticateAsClientAsync(host), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is System.Security.Authentication.AuthenticationException || ex is System.IO.IOException || ex is TimeoutException)
            {
                result.Fail(ConnectionCheckStep.Tls, $"The TLS handshake with {host}:{uri.Port} failed: {ex.Message}.",
                    $"Check that {setting} names an https port (not a plain http one) and that the server's TLS setup works.");
                return false;
            }
            result.TlsProtocol = ssl.SslProtocol.ToString();
            using (certificate)
            {
                if (certificate != null)
                {
                    result.CertificateSubject = certificate.Subject;
                    result.CertificateIssuer = certificate.Issuer;
                    result.CertificateNotAfter = certificate.NotAfter.ToUniversalTime();
                }
                result.CertificateErrors = errors.ToString();
                var now = _time.GetUtcNow().UtcDateTime;
                var expired = result.CertificateNotAfter is DateTime notAfter && notAfter < now;
                var details = $"certificate '{result.CertificateSubject}' issued by '{result.CertificateIssuer}', valid until {result.CertificateNotAfter:yyyy-MM-dd HH:mm} UTC";
                if ((errors != SslPolicyErrors.None || expired) && !_options.SkipCertificateCheck)
                {
                    var why = expired ? "it has expired" : Describe(errors);
                    result.Fail(ConnectionCheckStep.Tls, $"The server's certificate is not trusted: {why} ({details}).",
                        errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)
                            ? $"Use the host name the certificate was issued for in {setting}, or have the certificate reissued."
                            : "Have the server use a certificate from a CA this machine trusts (or add the CA to the trust store); skip the certificate check only if you accept the risk.");
                    return false;
                }
                if (errors != SslPolicyErrors.None) result.Reason = $"TLS {result.TlsProtocol}: the certificate is not trusted ({Describe(errors)}), accepted because the certificate check is skipped ({details}). ";
                else if (result.CertificateNotAfter is DateTime soon && soon - now < _options.ExpiryWarning)
                    result.Reason = $"TLS {result.TlsProtocol}: the certificate expires in {(soon - now).TotalDays:0} day(s) ({details}). ";
                else result.Reason = $"TLS {result.TlsProtocol}, {details}. ";
            }
            return true;
        }

        private static string Describe(SslPolicyErrors errors)
        {
            var parts = new List<string>();
            if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable)) parts.Add("the server sent no certificate");
            if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)) parts.Add("it was issued for another host name");
            if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors)) parts.Add("its chain does not end at a trusted CA (self-signed, or an unknown CA)");
            return parts.Count == 0 ? errors.ToString() : string.Join("; ", parts);
        }

        /// <summary>A request that reads and changes nothing, where the API has one: Orthanc /system, QIDO /studies?limit=1, one sample's metadata.</summary>
        private async Task CheckCredentialAsync(PreflightTarget target, EndpointSettings endpoint, ConnectionCheckResult result, CancellationToken cancellationToken)
        {
            HttpRequestBuilder? request = null;
            string what;
            if (endpoint.Api == ApiEndpoint.Metadata)
            {
                if (string.IsNullOrWhiteSpace(_options.SampleId))
                {
                    result.AuthenticationCheck = "not checked: name a sample to fetch its metadata";
                    result.Reason += $"Reachable; {endpoint.Credential} not checked (the metadata API has no request without a sample: name one).";
                    return;
                }
                try
                {
                    var metadata = await new MetadataClient(_executor, endpoint).GetAsync(_options.SampleId!, cancellationToken).ConfigureAwait(false);
                    result.AuthenticationCheck = $"metadata of sample {_options.SampleId}";
                    result.StatusCode = 200;
                    result.Reason += $"Authenticated ({endpoint.Credential}): sample {metadata.SampleId}, test type {metadata.TestType}.";
                }
                catch (DicomToolsHttpException ex)
                {
                    result.AuthenticationCheck = $"metadata of sample {_options.SampleId}";
                    HttpFailure(ex, endpoint, result);
                }
                return;
            }
            if (endpoint.Api == ApiEndpoint.Upload)
            {
                var path = endpoint.Uri.AbsolutePath;
                var dicomWeb = path.IndexOf("/dicom-web", StringComparison.OrdinalIgnoreCase);
                if (dicomWeb >= 0)
                {
                    var root = new UriBuilder(endpoint.Uri) { Path = path.Substring(0, dicomWeb) + "/dicom-web/studies", Query = "limit=1" }.Uri;
                    request = new HttpRequestBuilder(HttpMethod.Get, root);
                }
                else if (path.TrimEnd('/').EndsWith("/instances", StringComparison.OrdinalIgnoreCase))
                {
                    var at = path.TrimEnd('/').LastIndexOf("/instances", StringComparison.OrdinalIgnoreCase);
                    request = new HttpRequestBuilder(HttpMethod.Get, new UriBuilder(endpoint.Uri) { Path = path.Substring(0, at) + "/system", Query = string.Empty }.Uri);
                }
            }
            if (request == null)
            {
                result.AuthenticationCheck = $"not checked: the {endpoint.Api.Name} API has no request that changes nothing";
                result.Reason += $"Reachable; {endpoint.Credential} not checked (the {endpoint.Api.Name} API has no harmless request).";
                return;
            }
            what = $"GET {request.RequestUri.PathAndQuery}";
            result.AuthenticationCheck = what;
            try
            {
                var answer = await _executor.SendAsync(request.WithCredential(endpoint.Credential), $"Connection check ({what})", cancellationToken).ConfigureAwait(false);
                result.StatusCode = answer.StatusCode;
                result.Reason += $"Authenticated ({endpoint.Credential}): {what} answered {answer.StatusCode}.";
            }
            catch (DicomToolsHttpException ex)
            {
                HttpFailure(ex, endpoint, result);
            }
        }

        private void HttpFailure(DicomToolsHttpException ex, EndpointSettings endpoint, ConnectionCheckResult result)
        {
            result.StatusCode = ex.StatusCode;
            var message = _redactor.Redact(endpoint.Credential.Redact(ex.Message));
            var key = endpoint.Api.KeyVariable;
            switch (ex.Kind)
            {
                case FailureKind.Unauthorized:
                case FailureKind.Forbidden:
                    result.Fail(ConnectionCheckStep.Authentication, $"Authentication failed ({endpoint.Credential}): {message}",
                        $"Check {key} (or the credential parameter): the key or password is wrong, expired, or lacks the rights.");
                    break;
                case FailureKind.NotFound:
                    result.Fail(ConnectionCheckStep.Authentication, $"The server answered 404: {message}",
                        endpoint.Api == ApiEndpoint.Metadata ? $"Check the sample id, and the path in {endpoint.Api.UrlVariable}." : $"Check the path in {endpoint.Api.UrlVariable}.");
                    break;
                case FailureKind.Timeout:
                    result.Fail(ConnectionCheckStep.Authentication, $"No answer in time: {message}", "Check the server's load and health; allow more time per step for a slow link.");
                    break;
                case FailureKind.ConnectionFailed:
                    result.Fail(ConnectionCheckStep.Tcp, $"The connection failed: {message}", $"Check {endpoint.Api.UrlVariable} and that the server runs (and the proxy, if one is set).");
                    break;
                default:
                    result.Fail(ConnectionCheckStep.Authentication, $"The check request failed: {message}", "Read the server's answer above; check the server's health and logs.");
                    break;
            }
        }

        private async Task CheckDicomAsync(Uri uri, ConnectionCheckResult result, CancellationToken cancellationToken)
        {
            result.Uri = UriRedaction.Redact(uri);
            result.Source = "U_URL";
            var user = Uri.UnescapeDataString(uri.UserInfo ?? string.Empty);
            var calling = _options.CallingAETitle;
            var colon = user.IndexOf(':');
            if (colon >= 0) { calling = user.Substring(0, colon); user = user.Substring(colon + 1); }
            if (user.Length == 0)
            {
                result.Fail(ConnectionCheckStep.Settings, "The dicom:// URL names no called AE title.", "Write it as dicom://CALLED_AE@host:port.");
                return;
            }
            var port = uri.IsDefaultPort || uri.Port <= 0 ? 104 : uri.Port;
            var options = new DicomAssociationOptions(uri.Host, port, user) { CallingAETitle = calling }.WithTimeout(_options.Timeout);
            result.AuthenticationCheck = $"C-ECHO {calling} -> {user}@{uri.Host}:{port}";
            var report = await DicomConnectionProbe.RunAsync(options, null, cancellationToken).ConfigureAwait(false);
            result.TcpConnected = report.Reachable;
            if (report.Succeeded)
            {
                result.Reason = $"C-ECHO answered (status 0x{report.EchoStatus:X4}).";
                return;
            }
            var why = report.RejectionReason ?? report.Error?.Message ?? "the echo did not succeed";
            result.Fail(report.Reachable ? ConnectionCheckStep.Echo : ConnectionCheckStep.Tcp, $"{(report.Reachable ? "The archive refused" : "No connection to")} {user}@{uri.Host}:{port}: {why}",
                report.Reachable ? "Check the called AE title, and that the archive knows this machine's AE title and address." : "Check the host and port in U_URL and that the archive runs.");
        }

        private async Task<T> WithTimeout<T>(Task<T> task, CancellationToken cancellationToken)
        {
            await WithTimeout((Task)task, cancellationToken).ConfigureAwait(false);
            return await task.ConfigureAwait(false);
        }

        private async Task WithTimeout(Task task, CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(_options.Timeout, timeout.Token);
            var done = await Task.WhenAny(task, delay).ConfigureAwait(false);
            timeout.Cancel();
            if (done != task)
            {
                cancellationToken.ThrowIfCancellationRequested();
                _ = task.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
                throw new TimeoutException(string.Format(CultureInfo.InvariantCulture, "no answer within {0:0.#} s", _options.Timeout.TotalSeconds));
            }
            await task.ConfigureAwait(false);
        }
    }

    internal static class EndpointSettingsExtensions
    {
        public static string Setting(this EndpointSettings endpoint) => endpoint.Api.UrlVariable;
    }
}
