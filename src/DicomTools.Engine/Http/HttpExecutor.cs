using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Engine.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace DicomTools.Engine.Http
{
    /// <summary>
    /// Sends a call with the module's retry rules (the only place they live): a new request per attempt, a
    /// per-attempt timeout, retries on connection failures, timeouts and 408/429/5xx with a doubling, jittered delay
    /// or the server's Retry-After (capped), one Information log line per retry. Returns the answer with the attempts
    /// and time it took, or throws <see cref="DicomToolsHttpException"/>.
    /// </summary>
    public sealed class HttpExecutor : IDisposable
    {
        private static readonly ResiliencePropertyKey<CallState> StateKey = new ResiliencePropertyKey<CallState>("DicomTools.HttpCall");
        private static readonly Random Jitter = new Random();

        private readonly HttpClient _client;
        private readonly bool _ownsClient;
        private readonly ILogger _logger;
        private readonly TimeProvider _time;
        // Built on the first retry: most processes never retry (see SendAsync).
        private ResiliencePipeline<HttpResponseMessage>? _pipeline;

        /// <param name="client">The client to send with (see <see cref="HttpClientFactory"/>); disposed with this executor when <paramref name="ownsClient"/>.</param>
        /// <param name="timeProvider">
        /// The clock of the retry delays, the per-attempt timeout, Retry-After dates and the durations reported; the
        /// system's when null. Tests pass a fake one and move it forward instead of waiting.
        /// </param>
        public HttpExecutor(HttpClient client, HttpRetryOptions options, ILogger? logger = null, bool ownsClient = false, TimeProvider? timeProvider = null)
        {
            _client = client ?? throw new ArgumentNullException(nameof(client));
            Options = options ?? throw new ArgumentNullException(nameof(options));
            options.Validate();
            _ownsClient = ownsClient;
            _logger = logger ?? NullLogger.Instance;
            _time = timeProvider ?? TimeProvider.System;
        }

        /// <summary>For the cmdlet layer: a client for <paramref name="connection"/> and a logger writing to <paramref name="log"/>.</summary>
        public static HttpExecutor Create(HttpConnectionSettings connection, HttpRetryOptions retry, ILoggerProvider? log)
        {
            var client = HttpClientFactory.GetClient(connection ?? HttpConnectionSettings.Default, out var owned);
            var logger = log?.CreateLogger(typeof(HttpExecutor).FullName!);
            return new HttpExecutor(client, retry, logger, owned);
        }

        public HttpRetryOptions Options { get; }

        /// <summary>Sends the call described by <paramref name="request"/>.</summary>
        /// <param name="operation">What the call does, for messages: "Metadata request for sample 'x'".</param>
        /// <param name="readsStatus">
        /// Non-2xx statuses the caller reads from the answer itself instead of failing (e.g. STOW-RS 409, whose body lists
        /// what failed). They are never retried.
        /// </param>
        /// <exception cref="DicomToolsHttpException">The call failed (after the retries worth making), or was cancelled.</exception>
        public async Task<HttpAnswer> SendAsync(HttpRequestBuilder request, string operation, CancellationToken cancellationToken,
            Func<int, bool>? readsStatus = null)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            if (string.IsNullOrEmpty(operation)) operation = request.Method + " request";
            var state = new CallState(_client, request, operation, readsStatus ?? (_ => false), _logger, _time, cancellationToken);
            if (request.BodyOmitted)
                _logger.LogDebug("{Operation}: this runtime cannot send a body with {Method}; sending the query string alone.", operation, request.Method.Method);

            HttpClientFactory.PrepareEndpoint(request.RequestUri);
            var started = _time.GetTimestamp();

            // The first attempt runs here, outside Polly, under the same per-attempt timeout: nearly every call is
            // answered at the first try, and the pipeline's generic code (context, strategies, outcomes and async state
            // machines over HttpResponseMessage) cost a fresh process 88 JIT-compiled methods on its first call, more
            // than the rest of the call (issue 12: start-up; inline, not in async helpers, for the same reason: each
            // async method is another state machine to compile). Only a first outcome worth retrying enters the
            // pipeline, which is handed it as its first attempt, so the retry count, the delays and the log lines are
            // those of a call made wholly inside it.
            HttpResponseMessage? response = null;
            Exception? firstFailure = null;
            var attempt = Options.HasAttemptTimeout ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken) : null;
            var timer = attempt == null ? null
                : _time.CreateTimer(static source => ((CancellationTokenSource)source!).Cancel(), attempt, Options.AttemptTimeout, Timeout.InfiniteTimeSpan);
            try
            {
                response = await state.AttemptAsync(attempt?.Token ?? cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException exception) when (attempt != null && attempt.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                firstFailure = AttemptTimedOut(exception);
            }
            catch (Exception exception)
            {
                firstFailure = exception;
            }
            finally
            {
                timer?.Dispose();
                attempt?.Dispose();
            }

            if (Options.MaximumRetryCount > 0 && ShouldRetry(state, response, firstFailure))
            {
                try
                {
                    response = await RetryAsync(state, response, firstFailure, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception exception) when (!(exception is DicomToolsHttpException))
                {
                    throw Failure(state, exception, _time.GetElapsedTime(started));
                }
            }
            else if (firstFailure is DicomToolsHttpException)
            {
                ExceptionDispatchInfo.Capture(firstFailure).Throw();
            }
            else if (firstFailure != null)
            {
                throw Failure(state, firstFailure, _time.GetElapsedTime(started));
            }

            using (response!)
            {
                var status = (int)response!.StatusCode;
                string body;
                try
                {
                    // Read in full already (ResponseContentRead): this completes at once.
                    body = DecodeBody(response, response.Content == null ? null : await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false));
                }
                catch (Exception exception) when (!(exception is OperationCanceledException) || !cancellationToken.IsCancellationRequested)
                {
                    throw new DicomToolsHttpException(
                        $"{operation} failed: {request.Method.Method} {request.DisplayUri} answered {status} with a body that cannot be read: {Redact(state, Describe(exception))}.",
                        FailureKind.InvalidResponse, request.Method.Method, request.DisplayUri, status, state.Attempts, _time.GetElapsedTime(started), null, exception);
                }
                if (HttpStatusPolicy.IsSuccess(status) || state.ReadsStatus(status))
                {
                    return new HttpAnswer(request.Method.Method, request.DisplayUri, status, response.ReasonPhrase,
                        response.Content?.Headers.ContentType?.MediaType, body, CollectHeaders(response), state.Attempts, _time.GetElapsedTime(started));
                }
                throw StatusFailure(state, status, response.ReasonPhrase, body, _time.GetElapsedTime(started));
            }
        }

        public void Dispose()
        {
            if (_ownsClient) _client.Dispose();
        }

        /// <summary>The retries, in the pipeline: its first attempt replays the one <see cref="SendAsync"/> made.</summary>
        private async Task<HttpResponseMessage> RetryAsync(CallState state, HttpResponseMessage? firstResponse, Exception? firstFailure,
            CancellationToken cancellationToken)
        {
            state.Replay(firstResponse, firstFailure);
            var context = ResilienceContextPool.Shared.Get(state.Operation, cancellationToken);
            context.Properties.Set(StateKey, state);
            try
            {
                return await Pipeline.ExecuteAsync(
                    static (ctx, s) => s.NextAttemptAsync(ctx.CancellationToken), context, state).ConfigureAwait(false);
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }

        /// <summary>What the pipeline's timeout strategy throws when an attempt's time ran out (not the caller's cancellation).</summary>
        private TimeoutRejectedException AttemptTimedOut(OperationCanceledException cancelled) =>
            new TimeoutRejectedException(
                string.Format(CultureInfo.InvariantCulture, "The operation didn't complete within the allowed timeout of '{0}'.", Options.AttemptTimeout),
                Options.AttemptTimeout, cancelled);

        private ResiliencePipeline<HttpResponseMessage> Pipeline
        {
            get
            {
                var pipeline = Volatile.Read(ref _pipeline);
                if (pipeline != null) return pipeline;
                Interlocked.CompareExchange(ref _pipeline, BuildPipeline(), null);
                return _pipeline!;
            }
        }

        private ResiliencePipeline<HttpResponseMessage> BuildPipeline()
        {
            var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = _time };
            if (Options.MaximumRetryCount > 0)
            {
                builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
                {
                    MaxRetryAttempts = Options.MaximumRetryCount,
                    BackoffType = DelayBackoffType.Constant,
                    UseJitter = false,
                    Delay = TimeSpan.Zero,
                    ShouldHandle = args => new ValueTask<bool>(ShouldRetry(args.Context, args.Outcome)),
                    DelayGenerator = args => new ValueTask<TimeSpan?>(NextDelay(args.Outcome, args.AttemptNumber)),
                    OnRetry = args =>
                    {
                        LogRetry(args.Context, args.Outcome, args.AttemptNumber, args.RetryDelay);
                        args.Outcome.Result?.Dispose();
                        return default;
                    },
                });
            }
            if (Options.HasAttemptTimeout)
                builder.AddTimeout(new TimeoutStrategyOptions { Timeout = Options.AttemptTimeout });
            return builder.Build();
        }

        private static bool ShouldRetry(ResilienceContext context, Outcome<HttpResponseMessage> outcome) =>
            ShouldRetry(context.Properties.GetValue(StateKey, null!), outcome.Result, outcome.Exception);

        private static bool ShouldRetry(CallState state, HttpResponseMessage? response, Exception? exception)
        {
            if (exception != null)
                return HttpStatusPolicy.IsRetryable(exception, state.CallerToken.IsCancellationRequested);
            var status = (int)response!.StatusCode;
            return !state.ReadsStatus(status) && HttpStatusPolicy.IsRetryable(status);
        }

        private TimeSpan NextDelay(Outcome<HttpResponseMessage> outcome, int retryIndex)
        {
            if (outcome.Result != null)
            {
                var serverAsked = RetryAfter.FromResponse(outcome.Result, _time.GetUtcNow(), Options.RetryAfterCap);
                if (serverAsked.HasValue) return serverAsked.Value;
            }
            double unit;
            lock (Jitter) unit = Jitter.NextDouble();
            return Options.BackoffDelay(retryIndex, unit);
        }

        private void LogRetry(ResilienceContext context, Outcome<HttpResponseMessage> outcome, int retryIndex, TimeSpan delay)
        {
            var state = context.Properties.GetValue(StateKey, null!);
            var reason = outcome.Exception != null
                ? DescribeAttemptFailure(state, outcome.Exception)
                : DescribeStatus((int)outcome.Result!.StatusCode, outcome.Result.ReasonPhrase)
                  + (outcome.Result.Headers.Contains("Retry-After") ? " (Retry-After: " + string.Join(",", outcome.Result.Headers.GetValues("Retry-After")) + ")" : string.Empty);
            _logger.LogInformation("{Message}", string.Format(CultureInfo.InvariantCulture,
                "{0}: attempt {1}/{2} failed: {3}; retrying in {4:0.0} s.",
                state.Operation, retryIndex + 1, Options.MaximumAttempts, Redact(state, reason), delay.TotalSeconds));
        }

        private string DescribeAttemptFailure(CallState state, Exception exception) =>
            exception is TimeoutRejectedException
                ? string.Format(CultureInfo.InvariantCulture, "no complete answer within {0:0.###} s", Options.AttemptTimeout.TotalSeconds)
                : Describe(exception);

        private DicomToolsHttpException Failure(CallState state, Exception exception, TimeSpan elapsed)
        {
            var request = state.Request;
            var cancelled = state.CallerToken.IsCancellationRequested && exception is OperationCanceledException;
            var kind = HttpStatusPolicy.KindOf(exception, cancelled);
            var attempts = Attempts(state);
            string message = kind switch
            {
                FailureKind.Cancelled => $"{state.Operation} was cancelled ({request.Method.Method} {request.DisplayUri}).",
                FailureKind.Timeout => string.Format(CultureInfo.InvariantCulture,
                    "{0} failed: {1} {2} gave no complete answer within {3:0.###} s per attempt ({4}).",
                    state.Operation, request.Method.Method, request.DisplayUri, Options.AttemptTimeout.TotalSeconds, attempts),
                FailureKind.ConnectionFailed when HttpStatusPolicy.IsCertificateFailure(exception) =>
                    $"{state.Operation} failed: the TLS connection to {request.DisplayUri} could not be set up ({Redact(state, Describe(exception))}; not retried). "
                    + "If the server's certificate is not trusted on this machine, trust it.",
                FailureKind.ConnectionFailed => $"{state.Operation} failed: could not talk to {request.DisplayUri} ({Redact(state, Describe(exception))}; {attempts}).",
                _ => $"{state.Operation} failed: {Redact(state, Describe(exception))} ({request.Method.Method} {request.DisplayUri}; {attempts}).",
            };
            var remedy = kind == FailureKind.Timeout ? FailureRemedy.LongerAttemptTimeout
                : kind == FailureKind.ConnectionFailed && HttpStatusPolicy.IsCertificateFailure(exception) ? FailureRemedy.TrustServerCertificate
                : FailureRemedy.None;
            return new DicomToolsHttpException(message, kind, request.Method.Method, request.DisplayUri, null, state.Attempts, elapsed, null, exception, remedy);
        }

        private static DicomToolsHttpException StatusFailure(CallState state, int status, string? reasonPhrase, string body, TimeSpan elapsed)
        {
            var request = state.Request;
            var retried = HttpStatusPolicy.IsRetryable(status)
                ? Attempts(state)
                : "not retried";
            var excerpt = DicomToolsHttpException.Excerpt(Redact(state, body));
            var message = $"{state.Operation} failed: {request.Method.Method} {request.DisplayUri} answered {DescribeStatus(status, reasonPhrase)}: {HttpStatusPolicy.Explain(status)} ({retried})."
                + (excerpt == null ? string.Empty : " The server said: " + excerpt);
            return new DicomToolsHttpException(message, HttpStatusPolicy.KindOf(status), request.Method.Method, request.DisplayUri,
                status, state.Attempts, elapsed, excerpt, remedy: status == 407 ? FailureRemedy.ProxyCredential : FailureRemedy.None);
        }

        private static string Attempts(CallState state) =>
            state.Attempts == 1 ? "1 attempt" : state.Attempts.ToString(CultureInfo.InvariantCulture) + " attempts";

        private static string DescribeStatus(int status, string? reasonPhrase) =>
            string.IsNullOrEmpty(reasonPhrase) ? status.ToString(CultureInfo.InvariantCulture) : status.ToString(CultureInfo.InvariantCulture) + " " + reasonPhrase;

        /// <summary>The exception's type and message, and the innermost cause when it says more (the socket error).</summary>
        internal static string Describe(Exception exception)
        {
            var text = exception.GetType().Name + ": " + exception.Message;
            var inner = exception;
            while (inner.InnerException != null) inner = inner.InnerException;
            if (!ReferenceEquals(inner, exception) && !exception.Message.Contains(inner.Message))
                text += " (" + inner.GetType().Name + ": " + inner.Message + ")";
            return text;
        }

        private static string Redact(CallState state, string text) => state.Request.Credential.Redact(text);

        private static string DecodeBody(HttpResponseMessage response, byte[]? bytes)
        {
            if (bytes == null) return string.Empty;
            var encoding = Encoding.UTF8;
            var charset = response.Content.Headers.ContentType?.CharSet?.Trim('"', ' ');
            if (!string.IsNullOrEmpty(charset))
            {
                try { encoding = Encoding.GetEncoding(charset); }
                catch (ArgumentException) { /* an unknown charset: UTF-8 is the best guess for JSON */ }
            }
            var text = encoding.GetString(bytes);
            return text.Length > 0 && text[0] == '\uFEFF' ? text.Substring(1) : text;
        }

        private static Dictionary<string, string> CollectHeaders(HttpResponseMessage response)
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var header in response.Headers) headers[header.Key] = string.Join(", ", header.Value);
            if (response.Content != null)
                foreach (var header in response.Content.Headers) headers[header.Key] = string.Join(", ", header.Value);
            return headers;
        }

        /// <summary>What one call carries through the pipeline's delegates.</summary>
        private sealed class CallState
        {
            private readonly HttpClient _client;
            private readonly ILogger _logger;
            private readonly TimeProvider _time;
            private int _attempts;
            private HttpResponseMessage? _replayResponse;
            private Exception? _replayFailure;
            private bool _replayPending;

            public CallState(HttpClient client, HttpRequestBuilder request, string operation, Func<int, bool> readsStatus,
                ILogger logger, TimeProvider time, CancellationToken callerToken)
            {
                _client = client;
                _time = time;
                Request = request;
                Operation = operation;
                ReadsStatus = readsStatus;
                CallerToken = callerToken;
                _logger = logger;
            }

            public HttpRequestBuilder Request { get; }
            public string Operation { get; }
            public Func<int, bool> ReadsStatus { get; }
            public CancellationToken CallerToken { get; }
            public int Attempts => Volatile.Read(ref _attempts);

            /// <summary>The first attempt, made before the pipeline: the pipeline's first call gets its outcome again.</summary>
            public void Replay(HttpResponseMessage? response, Exception? failure)
            {
                _replayResponse = response;
                _replayFailure = failure;
                _replayPending = true;
            }

            public ValueTask<HttpResponseMessage> NextAttemptAsync(CancellationToken attemptToken)
            {
                if (!_replayPending) return AttemptAsync(attemptToken);
                _replayPending = false;
                if (_replayFailure != null) ExceptionDispatchInfo.Capture(_replayFailure).Throw();
                return new ValueTask<HttpResponseMessage>(_replayResponse!);
            }

            public async ValueTask<HttpResponseMessage> AttemptAsync(CancellationToken attemptToken)
            {
                var attempt = Interlocked.Increment(ref _attempts);
                var started = _time.GetTimestamp();
                // A new message (and content, and stream) each attempt: a sent message cannot be sent again.
                using var message = Request.Build();
                var response = await _client.SendAsync(message, HttpCompletionOption.ResponseContentRead, attemptToken).ConfigureAwait(false);
                if (_logger.IsEnabled(LogLevel.Debug))
                {
                    _logger.LogDebug("{Message}", string.Format(CultureInfo.InvariantCulture, "{0} {1} (attempt {2}): {3} in {4:0} ms",
                        Request.Method.Method, Request.DisplayUri, attempt, (int)response.StatusCode, _time.GetElapsedTime(started).TotalMilliseconds));
                }
                return response;
            }
        }
    }
}
