using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Dicom;
using DicomTools.Dicom.Network;
using DicomTools.Engine.Http;
using DicomTools.Engine.Upload.Scheduling;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace DicomTools.Engine.Upload.Protocols
{
    /// <summary>
    /// C-STORE over DICOM associations. Each file is its own batch (so files stream as they arrive), but associations are
    /// pooled: at most -ThrottleLimit are open, one per busy worker, and each carries file after file until the input ends
    /// (<see cref="IHoldsConnections.CloseAsync"/> releases them). An association proposes the presentation contexts of
    /// the files seen so far; a file of a SOP class it did not propose replaces it with one that does.
    /// A7xx and transient association failures are retried with the shared retry count and backoff, on a new association,
    /// resending only the file that was not confirmed.
    /// </summary>
    /// <remarks>
    /// Its I/O is blocking (<see cref="DicomAssociationOptions.BlockingIo"/>) and the scheduler runs its workers on threads
    /// of their own (<see cref="IBlockingUploadProtocol"/>): a file goes from its worker's thread to the socket and back
    /// without a hop between threads, which on a loopback or LAN cost more CPU than the C-STORE itself.
    /// </remarks>
    internal sealed class DimseUpload : IUploadProtocol, IHoldsConnections, IBlockingUploadProtocol, IReadsOwnIdentifiers
    {
        private static readonly ResiliencePropertyKey<UploadResult> ResultKey = new ResiliencePropertyKey<UploadResult>("DicomTools.Dimse.Result");
        private static readonly Random Jitter = new Random();

        private readonly DicomAssociationOptions _association;
        private readonly HttpRetryOptions _retry;
        private readonly ILogger _log;
        private readonly ConcurrentBag<DicomAssociation> _idle = new ConcurrentBag<DicomAssociation>();
        private readonly HashSet<(string SopClassUid, string TransferSyntaxUid)> _seen = new HashSet<(string, string)>();
        private readonly ResiliencePipeline<StoreAttempt> _pipeline;
        private string? _refusal;

        public DimseUpload(UploadOptions options, ILogger log)
        {
            var archive = options.Dimse ?? throw new ArgumentException("The Dimse protocol needs the archive's host, port and called AE title.", nameof(options));
            _association = archive.Copy();
            _association.BlockingIo = true;
            _retry = options.Retry ?? new HttpRetryOptions();
            _log = log;
            _pipeline = BuildPipeline();
        }

        public int? FilesPerRequest => 1;
        public bool CanSendAllInOneRequest => false;
        public bool AllOrNothingPossible => false;

        private string Target => _association.ToString();

        public async Task SendAsync(UploadBatch batch, CancellationToken cancellationToken)
        {
            foreach (var result in batch.Results) await SendOneAsync(result, batch, cancellationToken).ConfigureAwait(false);
        }

        private async Task SendOneAsync(UploadResult result, UploadBatch batch, CancellationToken cancellationToken)
        {
            DicomStoreSource source;
            // One open per file: the header read finds the identity, the send streams the data set from the same handle.
            try { source = DicomStoreSource.Open(result.Path); }
            catch (Exception ex) when (ex is DicomFormatException || ex is IOException || ex is UnauthorizedAccessException)
            {
                // The scheduler leaves identifiers to us (IReadsOwnIdentifiers): a file C-STORE cannot send still names its instance.
                result.File.ReadIdentifiers(_log);
                result.Fail(UploadFailureReason.FileUnreadable, $"Not sent: '{result.Name}' cannot be sent by C-STORE: {ex.Message}", ex);
                return;
            }
            using (source) await SendSourceAsync(source, result, batch, cancellationToken).ConfigureAwait(false);
        }

        private async Task SendSourceAsync(DicomStoreSource source, UploadResult result, UploadBatch batch, CancellationToken cancellationToken)
        {
            result.File.SopInstanceUid ??= source.SopInstanceUid;
            var refusal = Volatile.Read(ref _refusal);
            if (refusal != null) { result.NotSend(UploadFailureReason.StoppedAfterRefusal, refusal); return; }
            lock (_seen) _seen.Add((source.SopClassUid, source.TransferSyntaxUid));

            // Nearly every file is stored at the first try: that try runs outside Polly, whose pipeline (context, async state
            // machines, outcome wrapping) cost more CPU per file than the C-STORE itself. Only a retryable first answer enters
            // the pipeline, which is handed that answer as its first attempt, so the retry count, backoff and log are as before.
            var first = await StoreOnceAsync(source, result, batch, cancellationToken).ConfigureAwait(false);
            if (!first.IsRetryable || _retry.MaximumRetryCount <= 0) { Record(result, first); return; }

            var context = ResilienceContextPool.Shared.Get(cancellationToken);
            context.Properties.Set(ResultKey, result);
            StoreAttempt attempt;
            try
            {
                var state = new RetryState(source, result, batch, first);
                attempt = await _pipeline.ExecuteAsync(
                    (ctx, s) => s.TakeFirst() is StoreAttempt done
                        ? new ValueTask<StoreAttempt>(done)
                        : new ValueTask<StoreAttempt>(StoreOnceAsync(s.Source, s.Result, s.Batch, ctx.CancellationToken)),
                    context, state).ConfigureAwait(false);
            }
            finally { ResilienceContextPool.Shared.Return(context); }
            Record(result, attempt);
        }

        /// <summary>What a retried file's pipeline needs; the first attempt, already made, is replayed once.</summary>
        private sealed class RetryState
        {
            private StoreAttempt? _first;
            public RetryState(DicomStoreSource source, UploadResult result, UploadBatch batch, StoreAttempt first)
            { Source = source; Result = result; Batch = batch; _first = first; }
            public DicomStoreSource Source { get; }
            public UploadResult Result { get; }
            public UploadBatch Batch { get; }
            public StoreAttempt? TakeFirst() { var f = _first; _first = null; return f; }
        }

        private async Task<StoreAttempt> StoreOnceAsync(DicomStoreSource source, UploadResult result, UploadBatch batch, CancellationToken cancellationToken)
        {
            result.Attempts++;
            var counted = batch.StartAttempt();
            DicomAssociation? association = null;
            try
            {
                association = await TakeAssociationAsync(source, cancellationToken).ConfigureAwait(false);
                var answer = await association.StoreAsync(source, cancellationToken).ConfigureAwait(false);
                counted(result.Bytes);
                if (answer.IsRetryable)
                {
                    // Out of resources: the peer may recover, but not necessarily on this association.
                    association.Dispose();
                    association = null;
                }
                return new StoreAttempt(answer, null);
            }
            catch (DicomNoAcceptedContextException ex) { return new StoreAttempt(null, ex); }
            catch (DicomNetworkException ex)
            {
                association?.Dispose();
                association = null;
                return new StoreAttempt(null, ex);
            }
            catch (Exception ex) when (ex is DicomFormatException || ex is IOException)
            {
                // The file turned out damaged while it was streamed: the association went down with it.
                association?.Dispose();
                association = null;
                return new StoreAttempt(null, ex);
            }
            finally
            {
                if (association != null) Return(association);
            }
        }

        private async Task<DicomAssociation> TakeAssociationAsync(DicomStoreSource source, CancellationToken cancellationToken)
        {
            while (_idle.TryTake(out var pooled))
            {
                if (!pooled.IsOpen) { pooled.Dispose(); continue; }
                if (Proposes(pooled, source)) return pooled;
                // Proposed before this file's SOP class / syntax was seen: make way for one that proposes it.
                await ReleaseQuietlyAsync(pooled, cancellationToken).ConfigureAwait(false);
            }
            IReadOnlyList<DicomPresentationContext> contexts;
            lock (_seen) contexts = DicomPresentationContext.ForFiles(_seen.ToArray(), includeVerification: false);
            return await DicomAssociation.OpenAsync(_association, contexts, cancellationToken).ConfigureAwait(false);
        }

        // Once per file: a loop rather than LINQ with a closure over the source.
        private static bool Proposes(DicomAssociation association, DicomStoreSource source)
        {
            foreach (var c in association.PresentationContexts)
                if (c.AbstractSyntaxUid == source.SopClassUid && c.Proposed.TransferSyntaxUids.Contains(source.TransferSyntaxUid)) return true;
            return false;
        }

        private void Return(DicomAssociation association)
        {
            if (association.IsOpen) _idle.Add(association);
            else association.Dispose();
        }

        public async Task CloseAsync(CancellationToken cancellationToken)
        {
            while (_idle.TryTake(out var association)) await ReleaseQuietlyAsync(association, cancellationToken).ConfigureAwait(false);
        }

        private async Task ReleaseQuietlyAsync(DicomAssociation association, CancellationToken cancellationToken)
        {
            try { await association.ReleaseAsync(cancellationToken).ConfigureAwait(false); }
            catch (Exception ex) when (ex is DicomNetworkException || ex is OperationCanceledException || ex is IOException)
            {
                // Every file it carried was already confirmed; a release that fails loses nothing.
                _log.LogDebug("Releasing the association with {Target} failed: {Message}", Target, ex.Message);
            }
            finally { association.Dispose(); }
        }

        private ResiliencePipeline<StoreAttempt> BuildPipeline()
        {
            var builder = new ResiliencePipelineBuilder<StoreAttempt> { TimeProvider = _association.TimeProvider };
            if (_retry.MaximumRetryCount > 0)
            {
                builder.AddRetry(new RetryStrategyOptions<StoreAttempt>
                {
                    MaxRetryAttempts = _retry.MaximumRetryCount,
                    BackoffType = DelayBackoffType.Constant,
                    UseJitter = false,
                    Delay = TimeSpan.Zero,
                    ShouldHandle = args => new ValueTask<bool>(args.Outcome.Result != null && args.Outcome.Result.IsRetryable && Volatile.Read(ref _refusal) == null),
                    DelayGenerator = args =>
                    {
                        double unit;
                        lock (Jitter) unit = Jitter.NextDouble();
                        return new ValueTask<TimeSpan?>(_retry.BackoffDelay(args.AttemptNumber, unit));
                    },
                    OnRetry = args =>
                    {
                        var result = args.Context.Properties.GetValue(ResultKey, null!);
                        _log.LogInformation("{Message}", string.Format(CultureInfo.InvariantCulture,
                            "C-STORE of '{0}' to {1}: attempt {2}/{3} failed: {4}; retrying in {5:0.0} s on a new association.",
                            result.Name, Target, args.AttemptNumber + 1, _retry.MaximumAttempts, args.Outcome.Result!.Describe(), args.RetryDelay.TotalSeconds));
                        return default;
                    },
                });
            }
            return builder.Build();
        }

        private void Record(UploadResult result, StoreAttempt attempt)
        {
            var answer = attempt.Answer;
            if (answer != null)
            {
                result.StatusCode = answer.Status;
                switch (answer.Outcome)
                {
                    case DicomStoreOutcome.Stored:
                        result.Status = UploadStatus.Stored;
                        break;
                    case DicomStoreOutcome.StoredWithWarning:
                        result.Status = UploadStatus.Stored;
                        result.Message = "Stored with a warning: " + answer.Message;
                        break;
                    case DicomStoreOutcome.OutOfResources:
                        result.Fail(UploadFailureReason.RejectedByServer, $"{Target} did not store '{result.Name}' after {result.Attempts} attempt(s): {answer.Message}.",
                            new DicomStoreFailedException(answer, Target));
                        break;
                    default:
                        result.Fail(UploadFailureReason.RejectedByServer, $"{Target} refused '{result.Name}': {answer.Message}.", new DicomStoreFailedException(answer, Target));
                        break;
                }
                return;
            }
            var error = attempt.Error!;
            if (error is DicomAssociationRejectedException rejected && !rejected.IsTransient)
            {
                var first = Interlocked.CompareExchange(ref _refusal,
                    $"Not sent: {Target} rejected the association permanently ({rejected.ReasonText}) for an earlier file, so no more files were sent; fix the AE titles or the archive's configuration and send the NotSent files again.",
                    null) == null;
                if (!first) { result.NotSend(UploadFailureReason.StoppedAfterRefusal, Volatile.Read(ref _refusal)!); return; }
                result.Fail(UploadFailureReason.RejectedByServer, $"C-STORE of '{result.Name}' to {Target} failed: {error.Message}", error);
                return;
            }
            if (error is DicomNoAcceptedContextException)
            {
                result.Fail(UploadFailureReason.RejectedByServer, $"C-STORE of '{result.Name}' to {Target}: {error.Message}", error);
                return;
            }
            if (error is DicomFormatException || error is IOException)
            {
                result.Fail(UploadFailureReason.FileUnreadable, $"'{result.Name}' could not be read while it was sent: {error.Message}", error);
                return;
            }
            var tries = result.Attempts > 1 ? $" after {result.Attempts} attempts" : string.Empty;
            result.Fail(UploadFailureReason.Transport, $"C-STORE of '{result.Name}' to {Target} failed{tries}: {error.Message}", error);
        }

        /// <summary>One C-STORE try: the peer's answer, or why there is none.</summary>
        private sealed class StoreAttempt
        {
            public StoreAttempt(DicomStoreResult? answer, Exception? error) { Answer = answer; Error = error; }
            public DicomStoreResult? Answer { get; }
            public Exception? Error { get; }
            public bool IsRetryable => Answer != null ? Answer.IsRetryable : Error is DicomNetworkException n && n.IsTransient;
            public string Describe() => Answer != null ? "the archive answered " + Answer.Message : Error!.Message;
        }
    }

    /// <summary>A DIMSE failure status as an exception, for error records (the result's StatusCode holds the status).</summary>
    public sealed class DicomStoreFailedException : Exception
    {
        internal DicomStoreFailedException(DicomStoreResult answer, string target)
            : base($"{target} answered C-STORE with status {answer.Message}.") { Status = answer.Status; }

        /// <summary>The DIMSE status (e.g. 0xA700).</summary>
        public ushort Status { get; }

        /// <summary>A7xx: the archive was out of resources.</summary>
        public bool IsOutOfResources => DicomStatus.IsRetryable(Status);
    }
}
