using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Engine.Http;
using DicomTools.Engine.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DicomTools.Engine.Upload
{
    /// <summary>
    /// Uploads files on worker tasks, at most <see cref="UploadOptions.ThrottleLimit"/> requests at a time, and
    /// queues one <see cref="FileUploadOutcome"/> per file added — exactly one, whatever fails. The caller (the
    /// cmdlet's pipeline thread) adds files, calls <see cref="Complete"/>, and takes outcomes with
    /// <see cref="TryTake"/> / <see cref="WaitForOutcome"/>: workers never touch PowerShell.
    /// </summary>
    public sealed class UploadEngine : IDisposable
    {
        private readonly UploadOptions _options;
        private readonly IUploadSender _sender;
        private readonly ILogger _log;
        private readonly CancellationTokenSource _cancellation;
        private readonly CancellationToken _cancellationToken;
        private readonly ConcurrentQueue<UploadJob> _jobs = new ConcurrentQueue<UploadJob>();
        private readonly SemaphoreSlim _jobSignal = new SemaphoreSlim(0);
        private readonly ConcurrentQueue<FileUploadOutcome> _outcomes = new ConcurrentQueue<FileUploadOutcome>();
        private readonly SemaphoreSlim _outcomeSignal = new SemaphoreSlim(0);
        private readonly List<UploadFile> _held = new List<UploadFile>();
        private readonly Task[] _workers;
        private int _filesAdded;
        private int _outcomesTaken;
        private bool _completed;
        private UploadServerKind? _detectedKind;
        private readonly SemaphoreSlim _detectLock = new SemaphoreSlim(1, 1);


        public UploadEngine(UploadOptions options, IUploadSender sender, ILoggerProvider? logs, CancellationToken cancellationToken)
        {
            _options = options ?? throw new ArgumentNullException(nameof(options));
            _options.Validate();
            _sender = sender ?? throw new ArgumentNullException(nameof(sender));
            _log = logs?.CreateLogger(typeof(UploadEngine).FullName!) ?? NullLogger.Instance;
            // Our own source as well as the caller's: Dispose before the end (a pipeline stopped downstream) cancels too.
            _cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _cancellationToken = _cancellation.Token;
            // Archive and -Atomic send one request: more workers would only wait.
            var workers = options.Atomic || options.Protocol == UploadProtocol.Archive ? 1 : options.ThrottleLimit;
            _workers = Enumerable.Range(0, workers).Select(_ => Task.Run(WorkAsync)).ToArray();
        }

        public UploadProgress Progress { get; } = new UploadProgress();

        /// <summary>True once <see cref="Complete"/> was called and every added file's outcome was taken.</summary>
        public bool IsFinished => Volatile.Read(ref _completed) && _outcomesTaken == Volatile.Read(ref _filesAdded);

        /// <summary>Queues a file. Raw sends it as soon as a worker is free; StowRs when a batch is full; Archive and -Atomic at <see cref="Complete"/>.</summary>
        public void Add(UploadFile file)
        {
            if (file == null) throw new ArgumentNullException(nameof(file));
            if (_completed) throw new InvalidOperationException("No files can be added after Complete().");
            Interlocked.Increment(ref _filesAdded);
            Progress.AddQueued(file.Length);
            if (_options.Protocol == UploadProtocol.Raw)
            {
                Enqueue(new UploadJob(new[] { file }));
                return;
            }
            _held.Add(file);
            if (_options.Protocol == UploadProtocol.StowRs && !_options.Atomic && _held.Count >= _options.BatchSize) FlushHeld();
        }

        /// <summary>No more files: sends what is held back (the last STOW-RS batch, the archive, the atomic set).</summary>
        public void Complete()
        {
            if (_completed) return;
            FlushHeld();
            _completed = true;
            // One wake-up per worker to see that the queue is done.
            _jobSignal.Release(_workers.Length);
        }

        public bool TryTake(out FileUploadOutcome outcome)
        {
            if (_outcomes.TryDequeue(out outcome!))
            {
                _outcomesTaken++;
                return true;
            }
            return false;
        }

        /// <summary>Waits until an outcome may be ready (or the timeout passes, or the token is cancelled).</summary>
        public bool WaitForOutcome(TimeSpan timeout, CancellationToken cancellationToken)
        {
            if (!_outcomes.IsEmpty) return true;
            try { return _outcomeSignal.Wait(timeout, cancellationToken); }
            catch (OperationCanceledException) { return false; }
        }

        /// <summary>For callers without a pipeline (tests, scripts): uploads all files and returns their outcomes.</summary>
        public async Task<IReadOnlyList<FileUploadOutcome>> UploadAllAsync(IEnumerable<UploadFile> files)
        {
            foreach (var file in files) Add(file);
            Complete();
            var results = new List<FileUploadOutcome>();
            while (!IsFinished)
            {
                if (TryTake(out var outcome)) { results.Add(outcome); continue; }
                await _outcomeSignal.WaitAsync(TimeSpan.FromMilliseconds(200)).ConfigureAwait(false);
            }
            return results;
        }

        /// <summary>
        /// Ends the engine. Anything still queued or in flight is cancelled, never sent afterwards: a caller that disposes
        /// before taking every outcome (a pipeline stopped downstream) no longer wants the uploads.
        /// </summary>
        public void Dispose()
        {
            if (!IsFinished) _cancellation.Cancel();
            _held.Clear();
            _completed = true;
            _jobSignal.Release(_workers.Length);
        }

        private void FlushHeld()
        {
            if (_held.Count == 0) return;
            Enqueue(new UploadJob(_held.ToArray()));
            _held.Clear();
        }

        private void Enqueue(UploadJob job)
        {
            _jobs.Enqueue(job);
            _jobSignal.Release();
        }

        private void Report(FileUploadOutcome outcome)
        {
            Progress.AddDone(1);
            _outcomes.Enqueue(outcome);
            _outcomeSignal.Release();
        }

        private async Task WorkAsync()
        {
            while (true)
            {
                try { await _jobSignal.WaitAsync(_cancellationToken).ConfigureAwait(false); }
                catch (OperationCanceledException) { }
                if (_jobs.TryDequeue(out var job))
                {
                    await RunJobAsync(job).ConfigureAwait(false);
                    continue;
                }
                if (Volatile.Read(ref _completed) || _cancellationToken.IsCancellationRequested)
                {
                    if (_cancellationToken.IsCancellationRequested) DrainCancelled();
                    return;
                }
            }
        }

        /// <summary>After Ctrl+C: every queued file still gets its (Failed, Cancelled) outcome, so none goes unaccounted.</summary>
        private void DrainCancelled()
        {
            while (_jobs.TryDequeue(out var job))
                foreach (var file in job.Files)
                {
                    var outcome = new FileUploadOutcome(file);
                    outcome.Fail(UploadFailureReason.Cancelled, "Cancelled before it was sent.");
                    Report(outcome);
                }
        }

        private async Task RunJobAsync(UploadJob job)
        {
            var clock = Stopwatch.StartNew();
            var outcomes = job.Files.Select(f => new FileUploadOutcome(f)).ToArray();
            var jobProgress = new JobProgress(Progress);
            try
            {
                _cancellationToken.ThrowIfCancellationRequested();
                foreach (var file in job.Files) Identify(file);
                if (_options.Atomic) await RunAtomicAsync(job, outcomes, jobProgress).ConfigureAwait(false);
                else if (_options.Protocol == UploadProtocol.Raw) await RunRawAsync(outcomes[0], jobProgress).ConfigureAwait(false);
                else if (_options.Protocol == UploadProtocol.StowRs) await RunStowRsAsync(outcomes, jobProgress).ConfigureAwait(false);
                else await RunArchiveAsync(outcomes, jobProgress).ConfigureAwait(false);
            }
            catch (DicomToolsHttpException ex)
            {
                foreach (var o in outcomes)
                {
                    o.StatusCode = ex.StatusCode;
                    o.Attempts = ex.Attempts;
                    o.Response = ex.BodyExcerpt;
                    o.Fail(ex.Kind == FailureKind.Cancelled ? UploadFailureReason.Cancelled : UploadFailureReason.Transport, ex.Message, ex);
                }
            }
            catch (OperationCanceledException) when (_cancellationToken.IsCancellationRequested)
            {
                foreach (var o in outcomes) o.Fail(UploadFailureReason.Cancelled, "Cancelled.");
            }
            catch (Exception ex)
            {
                foreach (var o in outcomes.Where(o => o.Status != UploadStatus.Failed || o.Message == null))
                    o.Fail(UploadFailureReason.Transport, ex.Message, ex);
            }
            foreach (var o in outcomes)
            {
                o.Duration = clock.Elapsed;
                if (o.Status == UploadStatus.Failed && o.Message == null) o.Message = "The server did not confirm it stored this file.";
                Log(o);
                Report(o);
            }
        }

        /// <summary>
        /// Reads the file's identifiers (header only) where the caller did not give them: per-file answers of STOW-RS and
        /// Orthanc are matched by them. A file that cannot be read is still sent; the server is the judge of what it takes.
        /// </summary>
        private void Identify(UploadFile file)
        {
            if (file.SopInstanceUid != null && file.StudyInstanceUid != null) return;
            try
            {
                var summary = DicomTools.Dicom.DicomFileReader.ReadSummary(file.Path);
                file.SopInstanceUid ??= summary.SopInstanceUid;
                file.StudyInstanceUid ??= summary.StudyInstanceUid;
                file.SeriesInstanceUid ??= summary.SeriesInstanceUid;
                file.PatientId ??= summary.PatientId;
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                _log.LogDebug("Could not read the DICOM identifiers of {Path}: {Message}", file.Path, ex.Message);
            }
        }

        private void Log(FileUploadOutcome o)
        {
            if (o.Status == UploadStatus.Failed)
                _log.LogDebug("Upload of {Path} failed after {Attempts} attempt(s): {Message}", o.File.Path, o.Attempts, o.Message);
            else
                _log.LogInformation("{Status} {Path} ({Bytes} bytes, HTTP {StatusCode}, {Attempts} attempt(s), {Ms} ms){Id}",
                    o.Status, o.File.Path, o.File.Length, o.StatusCode, o.Attempts, (long)o.Duration.TotalMilliseconds,
                    o.ServerId == null ? string.Empty : " as " + o.ServerId);
        }

        /// <summary>Answers that list per-file results even though the request as a whole failed.</summary>
        private static bool ListsPerFileResults(int status) => status == 400 || status == 409 || status == 422;

        private UploadRequest Post(string operation, Func<HttpContent> content, string? accept = null, Func<int, bool>? readsStatus = null) =>
            new UploadRequest(HttpMethod.Post, _options.Endpoint, operation) { Content = content, Accept = accept, ReadsStatus = readsStatus };

        private static string Describe(IReadOnlyList<FileUploadOutcome> outcomes) =>
            outcomes.Count == 1 ? "'" + System.IO.Path.GetFileName(outcomes[0].File.Path) + "'" : outcomes.Count + " files";

        private static void Record(IEnumerable<FileUploadOutcome> outcomes, UploadExchange exchange)
        {
            foreach (var o in outcomes) { o.StatusCode = exchange.StatusCode; o.Attempts = exchange.Attempts; }
        }

        private static void FailAll(IEnumerable<FileUploadOutcome> outcomes, UploadExchange exchange, string what)
        {
            foreach (var o in outcomes)
            {
                o.Response = UploadText.Truncate(exchange.Body);
                o.Fail(UploadFailureReason.Transport, $"{what} answered HTTP {exchange.StatusCode}: {Describe(exchange)}", exchange.Failure);
            }
        }

        private static string Describe(UploadExchange exchange)
        {
            if (exchange.Failure != null) return exchange.Failure.Message;
            var body = (exchange.Body ?? string.Empty).Trim();
            return body.Length == 0 ? "(empty answer)" : UploadText.Truncate(body, 300)!;
        }

        // ---------------------------------------------------------------- Raw

        private async Task RunRawAsync(FileUploadOutcome outcome, JobProgress progress)
        {
            var file = outcome.File;
            var exchange = await _sender.SendAsync(
                Post("Upload of " + Describe(new[] { outcome }), () => new FileBodyContent(file, _options.ContentType, progress.StartAttempt(), _cancellationToken)),
                _cancellationToken).ConfigureAwait(false);
            Record(new[] { outcome }, exchange);
            outcome.Response = UploadText.Truncate(exchange.Body);
            if (!exchange.IsSuccess)
            {
                outcome.Fail(UploadFailureReason.Transport, $"The server answered HTTP {exchange.StatusCode}: {Describe(exchange)}", exchange.Failure);
                return;
            }
            var answer = UploadAnswers.ParseRaw(exchange.Body);
            if (!answer.IsJson && !string.IsNullOrWhiteSpace(exchange.Body))
            {
                // A proxy's or a login page answered 200: nothing says the file reached the store.
                outcome.Fail(UploadFailureReason.RejectedByServer,
                    $"The server answered HTTP {exchange.StatusCode} with a body that is not JSON ({Describe(exchange)}), so it did not confirm storing the file; check that -Uri is the upload API.");
                return;
            }
            outcome.ServerId = answer.Id;
            outcome.Status = answer.AlreadyStored ? UploadStatus.AlreadyStored : UploadStatus.Stored;
            if (answer.IsJson && answer.Status != null && !answer.AlreadyStored
                && !string.Equals(answer.Status, "Success", StringComparison.OrdinalIgnoreCase))
                outcome.Fail(UploadFailureReason.RejectedByServer, $"The server answered HTTP {exchange.StatusCode} with Status '{answer.Status}'.");
        }

        // ---------------------------------------------------------------- STOW-RS

        private async Task<UploadExchange> SendStowRsAsync(IReadOnlyList<FileUploadOutcome> outcomes, JobProgress progress)
        {
            var files = outcomes.Select(o => o.File).ToArray();
            var exchange = await _sender.SendAsync(
                Post("STOW-RS upload of " + Describe(outcomes), () => new StowRsContent(files, _options.ContentType, progress.StartAttempt(), _cancellationToken),
                    "application/dicom+json", ListsPerFileResults),
                _cancellationToken).ConfigureAwait(false);
            Record(outcomes, exchange);
            return exchange;
        }

        private async Task RunStowRsAsync(IReadOnlyList<FileUploadOutcome> outcomes, JobProgress progress)
        {
            var exchange = await SendStowRsAsync(outcomes, progress).ConfigureAwait(false);
            ApplyStowRsAnswer(outcomes, exchange);
        }

        /// <summary>Per file from the Referenced / Failed SOP Sequences: 200 may store nothing, 400 may store some.</summary>
        private static void ApplyStowRsAnswer(IReadOnlyList<FileUploadOutcome> outcomes, UploadExchange exchange)
        {
            var answer = UploadAnswers.ParseStowRs(exchange.Body);
            if (!answer.IsJson)
            {
                FailAll(outcomes, exchange, "The STOW-RS server");
                return;
            }
            var referenced = ByUid(answer.Referenced);
            var failed = ByUid(answer.Failed);
            foreach (var o in outcomes)
            {
                var uid = o.File.SopInstanceUid;
                if (uid != null && referenced.TryGetValue(uid, out var stored))
                {
                    o.Status = UploadStatus.Stored;
                    o.Response = stored.Json;
                }
                else if (uid != null && failed.TryGetValue(uid, out var refused))
                {
                    o.Response = refused.Json;
                    o.NamedByServer = true;
                    o.Fail(UploadFailureReason.RejectedByServer, $"The STOW-RS answer (HTTP {exchange.StatusCode}) lists it as failed: {refused.Reason}.");
                }
                else
                {
                    o.Response = UploadText.Truncate(exchange.Body);
                    o.Fail(uid == null ? UploadFailureReason.FileUnreadable : UploadFailureReason.RejectedByServer, uid == null
                        ? "Its SOP Instance UID could not be read, so the STOW-RS answer cannot say whether it was stored."
                        : $"The STOW-RS answer (HTTP {exchange.StatusCode}) does not list it as stored ({answer.Referenced.Count} stored, {answer.Failed.Count} failed in this request).");
                }
            }
        }

        private static Dictionary<string, AnsweredInstance> ByUid(IEnumerable<AnsweredInstance> instances)
        {
            var map = new Dictionary<string, AnsweredInstance>(StringComparer.Ordinal);
            foreach (var i in instances) if (i.SopInstanceUid != null) map[i.SopInstanceUid] = i;
            return map;
        }

        // ---------------------------------------------------------------- Archive

        private async Task<(UploadExchange Exchange, ArchiveAnswer Answer)> SendArchiveAsync(IReadOnlyList<FileUploadOutcome> outcomes, JobProgress progress)
        {
            var entries = ZipStreamContent.NameEntries(outcomes.Select(o => o.File).ToArray());
            var exchange = await _sender.SendAsync(
                Post("Archive upload of " + Describe(outcomes), () => new ZipStreamContent(entries, progress.StartAttempt(), _cancellationToken),
                    "application/json", ListsPerFileResults),
                _cancellationToken).ConfigureAwait(false);
            Record(outcomes, exchange);
            var answer = UploadAnswers.ParseArchive(exchange.Body);
            ApplyArchiveAnswer(outcomes, entries, exchange, answer);
            return (exchange, answer);
        }

        private Task RunArchiveAsync(IReadOnlyList<FileUploadOutcome> outcomes, JobProgress progress) => SendArchiveAsync(outcomes, progress);

        /// <summary>The lab server names entries; Orthanc lists the IDs it stored, which we derive from each file's identifiers.</summary>
        private static void ApplyArchiveAnswer(IReadOnlyList<FileUploadOutcome> outcomes, IReadOnlyList<ZipEntrySource> entries, UploadExchange exchange, ArchiveAnswer answer)
        {
            if (!answer.IsJson)
            {
                FailAll(outcomes, exchange, "The archive endpoint");
                return;
            }
            var storedByName = answer.Stored.Where(i => i.Name != null).GroupBy(i => i.Name!).ToDictionary(g => g.Key, g => g.First());
            var failedByName = answer.Failed.Where(i => i.Name != null).GroupBy(i => i.Name!).ToDictionary(g => g.Key, g => g.First());
            var storedById = answer.Stored.Where(i => i.Id != null).GroupBy(i => i.Id!).ToDictionary(g => g.Key, g => g.First());
            for (var i = 0; i < outcomes.Count; i++)
            {
                var o = outcomes[i];
                var name = entries[i].Name;
                AnsweredInstance? stored = null;
                if (answer.IsOrthancShaped)
                {
                    var id = OrthancIds.InstanceId(o.File);
                    if (id != null) storedById.TryGetValue(id, out stored);
                }
                else storedByName.TryGetValue(name, out stored);

                if (stored != null)
                {
                    o.ServerId = stored.Id;
                    o.Response = stored.Json;
                    o.Status = stored.AlreadyStored ? UploadStatus.AlreadyStored : UploadStatus.Stored;
                }
                else if (failedByName.TryGetValue(name, out var refused))
                {
                    o.Response = refused.Json;
                    o.NamedByServer = true;
                    o.Fail(UploadFailureReason.RejectedByServer, $"The server refused archive entry '{name}' (HTTP {exchange.StatusCode}): {refused.Reason ?? refused.Status}.");
                }
                else if (!exchange.IsSuccess)
                {
                    o.Response = UploadText.Truncate(exchange.Body);
                    o.Fail(UploadFailureReason.RejectedByServer, $"The archive endpoint answered HTTP {exchange.StatusCode} and does not list entry '{name}' as stored: {Describe(exchange)}", exchange.Failure);
                }
                else
                {
                    o.Response = UploadText.Truncate(exchange.Body);
                    o.Fail(UploadFailureReason.RejectedByServer, answer.IsOrthancShaped && OrthancIds.InstanceId(o.File) == null
                        ? $"Its DICOM identifiers could not be read, so the server's list of stored instances cannot be matched to entry '{name}'."
                        : $"The server's answer (HTTP {exchange.StatusCode}) does not list entry '{name}' as stored.");
                }
            }
        }

        // ---------------------------------------------------------------- Atomic

        private async Task RunAtomicAsync(UploadJob job, FileUploadOutcome[] outcomes, JobProgress progress)
        {
            var kind = await ServerKindAsync().ConfigureAwait(false);
            if (kind != UploadServerKind.Orthanc && _options.Protocol == UploadProtocol.StowRs)
            {
                foreach (var o in outcomes)
                    o.Fail(UploadFailureReason.Unsupported,
                        "Not sent: -Atomic with STOW-RS needs a server that can roll back (Orthanc); STOW-RS itself stores what it can. Use -Protocol Archive against an all-or-nothing archive endpoint, or -ServerKind Orthanc.");
                return;
            }

            // Orthanc: which instances exist already, so a rollback deletes only what this request added.
            var preexisting = new HashSet<string>(StringComparer.Ordinal);
            var orthancRoot = OrthancIds.Root(_options.Endpoint);
            if (kind == UploadServerKind.Orthanc)
            {
                foreach (var id in outcomes.Select(o => OrthancIds.InstanceId(o.File)))
                {
                    if (id == null) continue;
                    var probe = await _sender.SendAsync(new UploadRequest(HttpMethod.Get, new Uri(orthancRoot, "instances/" + id), "Check for Orthanc instance " + id)
                        { ReadsStatus = status => status == 404 }, _cancellationToken).ConfigureAwait(false);
                    if (probe.IsSuccess) preexisting.Add(id);
                }
                var unreadable = outcomes.FirstOrDefault(o => OrthancIds.InstanceId(o.File) == null);
                if (unreadable != null)
                {
                    foreach (var o in outcomes)
                        o.Fail(UploadFailureReason.FileUnreadable, o == unreadable
                            ? "Not sent: its DICOM identifiers could not be read, so a rollback on Orthanc could not find it."
                            : $"Not sent: -Atomic set includes '{unreadable.File.Path}', whose DICOM identifiers could not be read.");
                    return;
                }
            }

            UploadExchange exchange;
            if (_options.Protocol == UploadProtocol.StowRs)
            {
                exchange = await SendStowRsAsync(outcomes, progress).ConfigureAwait(false);
                ApplyStowRsAnswer(outcomes, exchange);
                if (kind == UploadServerKind.Orthanc)
                    foreach (var o in outcomes.Where(o => o.Status == UploadStatus.Stored))
                    {
                        o.ServerId = OrthancIds.InstanceId(o.File);
                        if (o.ServerId != null && preexisting.Contains(o.ServerId)) o.Status = UploadStatus.AlreadyStored;
                    }
            }
            else
            {
                (exchange, _) = await SendArchiveAsync(outcomes, progress).ConfigureAwait(false);
            }

            var allStored = exchange.IsSuccess && outcomes.All(o => o.Status == UploadStatus.Stored || o.Status == UploadStatus.AlreadyStored);
            if (allStored) return;

            // When the server named the culprits, the other unlisted files are innocent: they failed only with the set.
            var culpritsNamed = outcomes.Any(o => o.NamedByServer);
            bool IsCulprit(FileUploadOutcome o) => o.Status == UploadStatus.Failed && (!culpritsNamed || o.NamedByServer);
            var bad = outcomes.Where(IsCulprit).ToArray();
            var summary = bad.Length == 0
                ? $"the server answered HTTP {exchange.StatusCode}"
                : $"{bad.Length} of {outcomes.Length} file(s) were not stored (first: {System.IO.Path.GetFileName(bad[0].File.Path)}: {bad[0].Message})";
            var claimedStored = outcomes.Count(o => o.Status != UploadStatus.Failed);
            foreach (var o in outcomes)
            {
                // Each file's message starts with its own problem when it has one, then the set's.
                o.Message = IsCulprit(o) ? o.Message + " " : string.Empty;
                if (!IsCulprit(o)) { o.FailureReason = UploadFailureReason.AtomicSetFailed; o.Exception = null; }
                o.Status = UploadStatus.Failed;
            }

            if (kind == UploadServerKind.Orthanc)
            {
                await RollBackOrthancAsync(outcomes, preexisting, orthancRoot, summary).ConfigureAwait(false);
                return;
            }

            // An all-or-nothing server stored none of them: its answer stands.
            foreach (var o in outcomes)
                o.Fail(o.FailureReason, o.Message + $"-Atomic set failed: {summary}; the server promises to store all or none, so none is stored."
                    + (claimedStored > 0 ? $" (Its answer nevertheless listed {claimedStored} as stored: check the server.)" : string.Empty),
                    o.Exception);
        }

        private async Task RollBackOrthancAsync(FileUploadOutcome[] outcomes, HashSet<string> preexisting, Uri root, string summary)
        {
            foreach (var o in outcomes)
            {
                var id = OrthancIds.InstanceId(o.File)!;
                var own = o.Message;
                var reason = o.FailureReason;
                if (preexisting.Contains(id))
                {
                    o.Fail(reason, own + $"-Atomic set failed: {summary}. Orthanc had this instance before the request, so it was left in place.", o.Exception);
                    continue;
                }
                // Deleting by the derived ID also catches what Orthanc stored without listing it (a ZIP answered 400).
                // Not cancellable: a rollback half done on Ctrl+C would leave exactly the partial set -Atomic promises against.
                UploadExchange delete;
                try
                {
                    delete = await _sender.SendAsync(new UploadRequest(HttpMethod.Delete, new Uri(root, "instances/" + id), "Rollback of Orthanc instance " + id)
                        { ReadsStatus = status => status == 404 }, CancellationToken.None).ConfigureAwait(false);
                }
                catch (DicomToolsHttpException ex)
                {
                    delete = new UploadExchange(ex.StatusCode ?? 0, ex.BodyExcerpt ?? ex.Message, ex.Attempts, ex);
                }
                if (delete.IsSuccess)
                {
                    o.RolledBack = true;
                    o.ServerId = id;
                    o.Fail(reason, own + $"-Atomic set failed: {summary}. Rolled back: deleted /instances/{id} stored by this request.", o.Exception);
                }
                else if (delete.StatusCode == 404)
                {
                    o.Fail(reason, own + $"-Atomic set failed: {summary}. Not stored (nothing to roll back).", o.Exception);
                }
                else
                {
                    o.ServerId = id;
                    o.Fail(reason, own + $"-Atomic set failed: {summary}. ROLLBACK FAILED: DELETE /instances/{id} answered HTTP {delete.StatusCode}; Orthanc may still hold it.", o.Exception);
                }
            }
        }

        private async Task<UploadServerKind> ServerKindAsync()
        {
            if (_options.ServerKind != UploadServerKind.Auto) return _options.ServerKind;
            await _detectLock.WaitAsync(_cancellationToken).ConfigureAwait(false);
            try
            {
                if (_detectedKind != null) return _detectedKind.Value;
                var probe = await _sender.SendAsync(new UploadRequest(HttpMethod.Get, new Uri(OrthancIds.Root(_options.Endpoint), "system"), "Server check (is it Orthanc?)")
                    { ReadsStatus = status => !HttpStatusPolicy.IsRetryable(status) }, _cancellationToken).ConfigureAwait(false);
                _detectedKind = probe.IsSuccess && UploadAnswers.IsOrthancSystemAnswer(probe.Body) ? UploadServerKind.Orthanc : UploadServerKind.AllOrNothing;
                _log.LogInformation("-Atomic: the server at {Root} is {Kind}.", OrthancIds.Root(_options.Endpoint), _detectedKind == UploadServerKind.Orthanc ? "Orthanc (verify and roll back)" : "not Orthanc (its all-or-nothing answer stands)");
                return _detectedKind.Value;
            }
            finally { _detectLock.Release(); }
        }

        private sealed class UploadJob
        {
            public UploadJob(IReadOnlyList<UploadFile> files) { Files = files; }
            public IReadOnlyList<UploadFile> Files { get; }
        }

        /// <summary>Counts a request's body bytes into the shared progress; a retry takes back what the failed attempt counted.</summary>
        private sealed class JobProgress
        {
            private readonly UploadProgress _progress;
            private long _counted;
            public JobProgress(UploadProgress progress) { _progress = progress; }

            public Action<long> StartAttempt()
            {
                var previous = Interlocked.Exchange(ref _counted, 0);
                if (previous != 0) _progress.AddSent(-previous);
                return bytes => { Interlocked.Add(ref _counted, bytes); _progress.AddSent(bytes); };
            }
        }
    }
}
