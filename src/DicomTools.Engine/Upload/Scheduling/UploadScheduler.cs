using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using DicomTools.Engine.Http;
using DicomTools.Engine.Upload.Protocols;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DicomTools.Engine.Upload.Scheduling
{
    /// <summary>
    /// Uploads files on worker tasks, at most <see cref="UploadOptions.ThrottleLimit"/> requests at a time, and hands
    /// out exactly one <see cref="UploadResult"/> per file added, whatever fails, in the order the files were added
    /// (a finished file waits only for those before it; the requests themselves still run concurrently).
    /// The caller (the cmdlet's pipeline thread) adds files, calls <see cref="Complete"/>, and takes results with
    /// <see cref="TryTake"/> / <see cref="WaitForResult"/>: workers never touch PowerShell.
    /// How files are grouped and sent is the protocol's (<see cref="IUploadProtocol"/>); this class only schedules.
    /// </summary>
    public sealed class UploadScheduler : IDisposable
    {
        private readonly UploadOptions _options;
        private readonly IUploadProtocol _protocol;
        private readonly ILogger _log;
        private readonly TimeProvider _time;
        private readonly CancellationTokenSource _cancellation;
        private readonly CancellationToken _cancellationToken;
        private readonly Channel<UploadBatch> _batches = Channel.CreateUnbounded<UploadBatch>(new UnboundedChannelOptions { SingleWriter = true });
        private readonly Channel<UploadResult> _results = Channel.CreateUnbounded<UploadResult>(new UnboundedChannelOptions { SingleReader = true });
        private readonly List<UploadResult> _held = new List<UploadResult>();
        private readonly InputOrder _order;
        private Task<bool>? _readable;
        private long _added;
        private bool _completed;
        private StopCause? _stop;

        public UploadScheduler(UploadOptions options, IUploadSender sender, ILoggerProvider? logs, CancellationToken cancellationToken, TimeProvider? timeProvider = null)
        {
            _options = options ?? throw new ArgumentNullException(nameof(options));
            _options.Validate();
            if (sender == null) throw new ArgumentNullException(nameof(sender));
            _log = logs?.CreateLogger(typeof(UploadScheduler).FullName!) ?? NullLogger.Instance;
            _protocol = UploadProtocols.Create(options, sender, _log);
            _time = timeProvider ?? TimeProvider.System;
            _order = new InputOrder(_results.Writer);
            // Our own source as well as the caller's: Dispose before the end (a pipeline stopped downstream) cancels too.
            _cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _cancellationToken = _cancellation.Token;
            // One request for all files: more workers would only wait.
            var workers = _protocol.FilesPerRequest == null ? 1 : options.ThrottleLimit;
            var running = new Task[workers];
            for (var i = 0; i < workers; i++)
                running[i] = _protocol is IBlockingUploadProtocol
                    ? Task.Factory.StartNew(WorkOnOwnThread, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                    : Task.Run(WorkAsync);
            // Workers end only when no batch can come any more, and every batch they took has its results out.
            Completion = FinishAsync(running);
        }

        public UploadProgress Progress { get; } = new UploadProgress();

        private async Task FinishAsync(Task[] running)
        {
            try
            {
                await Task.WhenAll(running).ConfigureAwait(false);
                // Connections kept across batches (DIMSE associations) end once no batch can need them.
                if (_protocol is IHoldsConnections holder)
                {
                    try { await holder.CloseAsync(_cancellationToken).ConfigureAwait(false); }
                    catch (Exception ex) when (!(ex is OutOfMemoryException)) { _log.LogDebug("Closing connections failed: {Message}", ex.Message); }
                }
            }
            finally
            {
                _results.Writer.TryComplete();
                NudgeWaiter(urgent: false, done: true);
            }
        }

        /// <summary>Done when every worker has ended (after <see cref="Complete"/> or <see cref="Dispose"/>).</summary>
        public Task Completion { get; }

        /// <summary>True once <see cref="Complete"/> was called and every added file's result was taken.</summary>
        public bool IsFinished => _results.Reader.Completion.IsCompleted;

        /// <summary>Queues a file. It is sent as soon as its protocol's batch is full: Raw at once, StowRs per -BatchSize, Archive and -Atomic at <see cref="Complete"/>.</summary>
        public void Add(UploadFile file)
        {
            if (file == null) throw new ArgumentNullException(nameof(file));
            var result = Register(new UploadResult(file, _options.Protocol));
            Progress.AddQueued(file.Length);
            _held.Add(result);
            if (_protocol.FilesPerRequest is int perRequest && _held.Count >= perRequest) FlushHeld();
        }

        /// <summary>
        /// An input the caller decided about itself (not sent, -WhatIf): it comes out in its place among the others.
        /// </summary>
        public void AddResult(UploadResult decided)
        {
            if (decided == null) throw new ArgumentNullException(nameof(decided));
            Register(decided);
            Progress.AddQueued(0);
            Publish(decided);
        }

        /// <summary>No more files: sends what is held back (the last STOW-RS batch, the archive, the atomic set).</summary>
        public void Complete()
        {
            if (_completed) return;
            FlushHeld();
            _completed = true;
            _batches.Writer.TryComplete();
        }

        /// <summary>Takes the next result if it is ready (in input order), without waiting.</summary>
        public bool TryTake(out UploadResult result)
        {
            if (!_results.Reader.TryRead(out result!)) return false;
            Interlocked.Decrement(ref _ready);
            return true;
        }

        // Results in the channel, not yet taken (the single-reader channel cannot count them).
        private int _ready;

        /// <summary>
        /// Blocks until results are ready (<see cref="WakeBatch"/> of them, a failed one, or the last ones), every result
        /// was taken, <paramref name="wakeAfter"/> passed on the injected clock (so that the caller can refresh progress
        /// and log lines during a long request), or the token is cancelled. True when a result can be taken.
        /// </summary>
        /// <remarks>
        /// Without the thread pool: the workers wake this thread themselves, and only once <see cref="WakeBatch"/> results
        /// are waiting, at a failure (so that -ErrorAction Stop stops the sending at once), or at the end. One wake per
        /// finished file, through a pool thread that completed the channel's wait, cost more CPU than writing the result.
        /// </remarks>
        public bool WaitForResult(TimeSpan wakeAfter, CancellationToken cancellationToken)
        {
            var reader = _results.Reader;
            if (reader.TryPeek(out _)) return true;
            // Registered outside the lock: disposing it waits for a callback in flight, which needs the lock.
            using var cancelled = cancellationToken.Register(s => ((UploadScheduler)s!).WakeWaiter(), this);
            lock (_wakeGate)
            {
                _urgent = false;
                _ticked = false;
                if (reader.TryPeek(out _)) return true;
                if (_resultsDone) return false;
                var timer = _wakeTimer ??= _time.CreateTimer(s => ((UploadScheduler)s!).WakeWaiter(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _waiterParked = true;
                try
                {
                    timer.Change(wakeAfter, Timeout.InfiniteTimeSpan);
                    while (!_ticked && !_urgent && !_resultsDone && !cancellationToken.IsCancellationRequested && Volatile.Read(ref _ready) < WakeBatch)
                        Monitor.Wait(_wakeGate);
                }
                finally
                {
                    _waiterParked = false;
                    timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                }
                return reader.TryPeek(out _);
            }
        }

        /// <summary>Results that wake a waiting <see cref="WaitForResult"/> together (a failure or the end wakes it at once).</summary>
        internal const int WakeBatch = 16;

        private readonly object _wakeGate = new object();
        private ITimer? _wakeTimer;
        private bool _waiterParked, _ticked, _urgent, _resultsDone;

        private void WakeWaiter()
        {
            lock (_wakeGate)
            {
                _ticked = true;
                Monitor.PulseAll(_wakeGate);
            }
        }

        /// <summary>After results went into the channel: wakes a waiting <see cref="WaitForResult"/> when it has enough to do.</summary>
        private void NudgeWaiter(bool urgent, bool done = false)
        {
            lock (_wakeGate)
            {
                _urgent |= urgent;
                _resultsDone |= done;
                if (_waiterParked && (_urgent || _resultsDone || Volatile.Read(ref _ready) >= WakeBatch)) Monitor.PulseAll(_wakeGate);
            }
        }

        /// <summary>
        /// Completes when a result is ready (at once, not in batches), every result was taken, <paramref name="wakeAfter"/>
        /// passed on the injected clock, or the token is cancelled. True when a result can be taken.
        /// </summary>
        public async Task<bool> WaitForResultAsync(TimeSpan wakeAfter, CancellationToken cancellationToken)
        {
            // One pending wait on the channel, reused across calls, so that waking up for progress leaves no waiters behind.
            if (_readable == null || _readable.IsCompleted) _readable = _results.Reader.WaitToReadAsync(CancellationToken.None).AsTask();
            var readable = _readable;
            if (readable.IsCompleted) return await readable.ConfigureAwait(false);
            using var stopTimer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var tick = _time.Delay(wakeAfter, stopTimer.Token);
            var first = await Task.WhenAny(readable, tick).ConfigureAwait(false);
            stopTimer.Cancel();
            return first == readable && await readable.ConfigureAwait(false);
        }

        /// <summary>For callers without a pipeline (tests, scripts): uploads all files and returns their results, in order.</summary>
        public async Task<IReadOnlyList<UploadResult>> UploadAllAsync(IEnumerable<UploadFile> files)
        {
            foreach (var file in files) Add(file);
            Complete();
            var results = new List<UploadResult>();
            while (await _results.Reader.WaitToReadAsync().ConfigureAwait(false))
                while (TryTake(out var result)) results.Add(result);
            return results;
        }

        /// <summary>
        /// No request starts any more; requests in flight finish (with their retries) and report what the server did. Every
        /// file not yet sent, held back or queued or added later, comes out <see cref="UploadStatus.NotSent"/> with
        /// <paramref name="message"/>. The caller then calls <see cref="Complete"/> and takes every result: what a cmdlet
        /// does on a terminating error (-ErrorAction Stop), so that every file sent has its result written before the error.
        /// A stop already in force (a refused credential) keeps its reason.
        /// </summary>
        public void StopSending(string message)
        {
            if (message == null) throw new ArgumentNullException(nameof(message));
            Interlocked.CompareExchange(ref _stop, new StopCause(UploadFailureReason.Cancelled, message), null);
        }

        /// <summary>
        /// Ends the scheduler. Anything still held, queued or in flight is cancelled, never sent afterwards: a caller
        /// that disposes before taking every result (a pipeline stopped downstream) no longer wants the uploads.
        /// </summary>
        public void Dispose()
        {
            if (!IsFinished) _cancellation.Cancel();
            _wakeTimer?.Dispose();
            _held.Clear();
            _completed = true;
            _batches.Writer.TryComplete();
        }

        private sealed class StopCause
        {
            public StopCause(UploadFailureReason reason, string message) { Reason = reason; Message = message; }
            public UploadFailureReason Reason { get; }
            public string Message { get; }
        }

        private UploadResult Register(UploadResult result)
        {
            if (_completed) throw new InvalidOperationException("No files can be added after Complete().");
            result.Sequence = _added++;
            return result;
        }

        private void FlushHeld()
        {
            if (_held.Count == 0) return;
            _batches.Writer.TryWrite(new UploadBatch(_held.ToArray(), Progress));
            _held.Clear();
        }

        private void Publish(UploadResult result)
        {
            Progress.AddDone(1);
            var released = _order.Finished(result);
            if (released > 0) Interlocked.Add(ref _ready, released);
            NudgeWaiter(urgent: result.Status == UploadStatus.Failed);
        }

        private async Task WorkAsync()
        {
            // Not cancellable on purpose: after Ctrl+C the remaining batches are still taken, and reported NotSent.
            var reader = _batches.Reader;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
                while (reader.TryRead(out var batch))
                    await RunBatchAsync(batch).ConfigureAwait(false);
        }

        /// <summary>
        /// A worker of a blocking protocol, on its own thread: each batch's send completes before RunBatchAsync returns,
        /// so the whole file, from taking it to publishing its result, runs here. Only an empty queue waits.
        /// </summary>
        private void WorkOnOwnThread()
        {
            var reader = _batches.Reader;
            while (true)
            {
                while (reader.TryRead(out var batch)) RunBatchAsync(batch).GetAwaiter().GetResult();
                var more = reader.WaitToReadAsync();
                if (!(more.IsCompleted ? more.Result : more.AsTask().GetAwaiter().GetResult())) return;
            }
        }

        private async Task RunBatchAsync(UploadBatch batch)
        {
            var started = _time.GetTimestamp();
            var results = batch.Results;
            try
            {
                var stop = Volatile.Read(ref _stop);
                if (_cancellationToken.IsCancellationRequested)
                    foreach (var r in results) r.NotSend(UploadFailureReason.Cancelled, "Not sent: cancelled before its request started.");
                else if (stop != null)
                    foreach (var r in results) r.NotSend(stop.Reason, stop.Message);
                else
                    await SendAsync(batch).ConfigureAwait(false);

                var elapsed = _time.GetElapsedTime(started);
                foreach (var r in results)
                {
                    if (r.Status != UploadStatus.NotSent) r.Duration = elapsed;
                    if (r.Status == UploadStatus.Failed && r.Message == null) r.Message = "The server did not confirm it stored this file.";
                    Log(r);
                }
                var refused = results.FirstOrDefault(r => r.FailureReason == UploadFailureReason.NotAuthorized);
                if (refused != null)
                    Interlocked.CompareExchange(ref _stop, new StopCause(UploadFailureReason.StoppedAfterRefusal,
                        $"Not sent: the server refused the credential for '{refused.Name}' (HTTP {refused.StatusCode}), so no more files were sent; fix the key or credential and send the NotSent files again."),
                        null);
            }
            finally
            {
                // Whatever happened above, every file leaves with a result: a missing one would hold back all after it.
                foreach (var r in results) Publish(r);
            }
        }

        private async Task SendAsync(UploadBatch batch)
        {
            var results = batch.Results;
            try
            {
                if (!(_protocol is IReadsOwnIdentifiers)) foreach (var r in results) r.File.ReadIdentifiers(_log);
                await _protocol.SendAsync(batch, _cancellationToken).ConfigureAwait(false);
            }
            catch (DicomToolsHttpException ex)
            {
                var reason = ex.Kind == FailureKind.Cancelled ? UploadFailureReason.Cancelled
                    : ex.Kind == FailureKind.Unauthorized || ex.Kind == FailureKind.Forbidden ? UploadFailureReason.NotAuthorized
                    : UploadFailureReason.Transport;
                foreach (var r in results)
                {
                    r.StatusCode = ex.StatusCode;
                    r.Attempts = ex.Attempts;
                    r.Response = ex.BodyExcerpt;
                    r.Fail(reason, ex.Message, ex);
                }
            }
            catch (OperationCanceledException) when (_cancellationToken.IsCancellationRequested)
            {
                foreach (var r in results) r.Fail(UploadFailureReason.Cancelled, "Cancelled.");
            }
            catch (Exception ex)
            {
                foreach (var r in results.Where(r => r.Status != UploadStatus.Failed || r.Message == null))
                    r.Fail(UploadFailureReason.Transport, ex.Message, ex);
            }
        }

        private void Log(UploadResult r)
        {
            if (r.Status == UploadStatus.Failed)
                _log.LogDebug("Upload of {Path} failed after {Attempts} attempt(s): {Message}", r.Path, r.Attempts, r.Message);
            else if (r.Status == UploadStatus.NotSent)
                _log.LogDebug("{Path}: {Message}", r.Path, r.Message);
            else
                _log.LogInformation("{Status} {Path} ({Bytes} bytes, HTTP {StatusCode}, {Attempts} attempt(s), {Ms} ms){Id}",
                    r.Status, r.Path, r.Bytes, r.StatusCode, r.Attempts, (long)r.Duration.TotalMilliseconds,
                    r.ServerId == null ? string.Empty : " as " + r.ServerId);
        }
    }
}
