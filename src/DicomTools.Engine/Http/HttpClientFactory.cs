using System;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;

namespace DicomTools.Engine.Http
{
    /// <summary>
    /// One HttpClient per <see cref="HttpConnectionSettings"/> for the life of the process (sockets are reused across
    /// cmdlet calls). HttpClient.Timeout is infinite: the retry pipeline times each attempt.
    /// </summary>
    public static class HttpClientFactory
    {
        /// <summary>
        /// Orthanc closes idle keep-alive connections after about 1 s; a pooled connection reused after that fails
        /// with a reset. Dropping idle connections sooner avoids most of those (the retry pipeline takes the rest).
        /// </summary>
        public static readonly TimeSpan PooledConnectionIdleTimeout = TimeSpan.FromMilliseconds(500);

        private static readonly ConcurrentDictionary<HttpConnectionSettings, Lazy<HttpClient>> Shared =
            new ConcurrentDictionary<HttpConnectionSettings, Lazy<HttpClient>>();

        /// <summary>
        /// The shared client for <paramref name="settings"/>. Settings with a proxy credential get a new client each
        /// time (credentials are not a cache key); <paramref name="owned"/> then tells the caller to dispose it.
        /// </summary>
        public static HttpClient GetClient(HttpConnectionSettings settings, out bool owned)
        {
            if (settings == null) throw new ArgumentNullException(nameof(settings));
            if (settings.ProxyCredential != null)
            {
                owned = true;
                return Create(settings);
            }
            owned = false;
            var snapshot = new HttpConnectionSettings { SkipCertificateCheck = settings.SkipCertificateCheck, Proxy = settings.Proxy };
            return Shared.GetOrAdd(snapshot, s => new Lazy<HttpClient>(() => Create(s), LazyThreadSafetyMode.ExecutionAndPublication)).Value;
        }

        /// <summary>A new client the caller owns.</summary>
        public static HttpClient Create(HttpConnectionSettings settings)
        {
            if (settings == null) throw new ArgumentNullException(nameof(settings));
            var handler = CreateHandler(settings);
            var client = new HttpClient(handler, disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
            client.DefaultRequestHeaders.ExpectContinue = false;
            client.DefaultRequestHeaders.UserAgent.ParseAdd("DicomTools/" + typeof(HttpClientFactory).Assembly.GetName().Version?.ToString(3));
            return client;
        }

        /// <summary>The handler a client for <paramref name="settings"/> sends through (SocketsHttpHandler where there is one).</summary>
        internal static HttpMessageHandler CreateHandler(HttpConnectionSettings settings) =>
            CreateHandler(settings, HttpRuntime.IsNetFramework);

        /// <summary>
        /// The runtime's branch made explicit, so that the .NET Framework path (Windows PowerShell 5.1, not run in CI)
        /// runs in the unit tests on .NET too: HttpClientHandler works there as well.
        /// </summary>
        internal static HttpMessageHandler CreateHandler(HttpConnectionSettings settings, bool netFramework) =>
            (netFramework ? null : CreateSocketsHandler(settings)) ?? CreateClientHandler(settings);

        private static WebProxy? CreateProxy(HttpConnectionSettings settings)
        {
            if (settings.Proxy == null) return null;
            return new WebProxy(settings.Proxy) { Credentials = settings.ProxyCredential, BypassProxyOnLocal = false };
        }

        // Reached only through -SkipCertificateCheck, the admin's explicit choice (as Invoke-RestMethod's switch of the same name).
        private static bool AcceptAnyCertificate(object sender, System.Security.Cryptography.X509Certificates.X509Certificate? certificate,
            System.Security.Cryptography.X509Certificates.X509Chain? chain, SslPolicyErrors errors) => true;

#if NET
        /// <summary>
        /// The net10.0 build (PowerShell 7.6+): SocketsHttpHandler, set directly. Only SocketsHttpHandler lets us set the idle
        /// timeout. No reflection: a fresh process pays nothing to find the type.
        /// </summary>
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5359", Justification = "Accepts any certificate only when the admin gives -SkipCertificateCheck.")]
        private static HttpMessageHandler? CreateSocketsHandler(HttpConnectionSettings settings)
        {
            var handler = new SocketsHttpHandler
            {
                PooledConnectionIdleTimeout = PooledConnectionIdleTimeout,
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
                // Reuse connections to servers that announce "Keep-Alive: timeout=1" (Orthanc): see KeepAliveHint.
                PlaintextStreamFilter = static (context, _) => new ValueTask<System.IO.Stream>(
                    context.NegotiatedHttpVersion.Major == 1 ? new KeepAliveHintStream(context.PlaintextStream) : context.PlaintextStream),
            };
            var proxy = CreateProxy(settings);
            if (proxy != null)
            {
                handler.UseProxy = true;
                handler.Proxy = proxy;
            }
            if (settings.SkipCertificateCheck)
                handler.SslOptions.RemoteCertificateValidationCallback = AcceptAnyCertificate;
            return handler;
        }
#else
        /// <summary>
        /// .NET Core / .NET 5+: SocketsHttpHandler, reached by reflection because we compile against netstandard2.0.
        /// It is what HttpClientHandler wraps there, but only SocketsHttpHandler lets us set the idle timeout.
        /// Null on .NET Framework.
        /// </summary>
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5359", Justification = "Accepts any certificate only when the admin gives -SkipCertificateCheck.")]
        private static HttpMessageHandler? CreateSocketsHandler(HttpConnectionSettings settings)
        {
            var type = Type.GetType("System.Net.Http.SocketsHttpHandler, System.Net.Http", throwOnError: false);
            if (type == null) return null;
            if (!(Activator.CreateInstance(type) is HttpMessageHandler handler)) return null;
            try
            {
                Set(handler, "PooledConnectionIdleTimeout", PooledConnectionIdleTimeout);
                Set(handler, "AllowAutoRedirect", false);
                Set(handler, "AutomaticDecompression", DecompressionMethods.GZip | DecompressionMethods.Deflate);
                var proxy = CreateProxy(settings);
                if (proxy != null)
                {
                    Set(handler, "UseProxy", true);
                    Set(handler, "Proxy", proxy);
                }
                if (settings.SkipCertificateCheck)
                {
                    var sslOptions = type.GetProperty("SslOptions")?.GetValue(handler)
                        ?? throw new MissingMemberException(type.FullName, "SslOptions");
                    Set(sslOptions, "RemoteCertificateValidationCallback", new RemoteCertificateValidationCallback(AcceptAnyCertificate));
                }
                return handler;
            }
            catch
            {
                handler.Dispose();
                throw;
            }
        }

        private static void Set(object target, string property, object value)
        {
            var info = target.GetType().GetProperty(property, BindingFlags.Public | BindingFlags.Instance)
                ?? throw new MissingMemberException(target.GetType().FullName, property);
            info.SetValue(target, value);
        }
#endif

        /// <summary>
        /// .NET Framework keeps idle connections per ServicePoint (100 s by default), not per handler: shorten it for
        /// the host we are about to call, for the same reason as <see cref="PooledConnectionIdleTimeout"/>. A no-op elsewhere.
        /// </summary>
        internal static void PrepareEndpoint(Uri uri)
        {
#if !NET
            if (!HttpRuntime.IsNetFramework) return;
            var servicePoint = ServicePointManager.FindServicePoint(uri);
            var idleMs = (int)PooledConnectionIdleTimeout.TotalMilliseconds;
            if (servicePoint.MaxIdleTime != idleMs) servicePoint.MaxIdleTime = idleMs;
            servicePoint.Expect100Continue = false;
#endif
        }

        /// <summary>.NET Framework (Windows PowerShell 5.1): HttpClientHandler over HttpWebRequest.</summary>
        private static HttpClientHandler CreateClientHandler(HttpConnectionSettings settings)
        {
            var handler = new HttpClientHandler
            {
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
                // .NET Framework allows 2 connections per server by default, which would serialise concurrent uploads.
                MaxConnectionsPerServer = 64,
            };
            var proxy = CreateProxy(settings);
            if (proxy != null)
            {
                handler.UseProxy = true;
                handler.Proxy = proxy;
            }
            if (settings.SkipCertificateCheck)
                handler.ServerCertificateCustomValidationCallback = (message, certificate, chain, errors) => true;
            return handler;
        }
    }
}
