using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace DicomTools.Engine.Tagging
{
    /// <summary>One input's outcome, handed back in input order.</summary>
    public sealed class OrderedWorkItem<TInput, TResult>
    {
        internal OrderedWorkItem(long index, TInput input) { Index = index; Input = input; }

        /// <summary>0 for the first input added, 1 for the next, ...</summary>
        public long Index { get; }
        public TInput Input { get; }
        /// <summary>The work's result; default when it threw or was cancelled.</summary>
        public TResult Result { get; internal set; } = default!;
        /// <summary>What the work threw, if it did.</summary>
        public Exception? Error { get; internal set; }
        /// <summary>True when cancellation came before the work started: the input was not touched.</summary>
        public bool Canceled { get; internal set; }
    }

    /// <summary>
    /// Runs work on a bounded set of dedicated threads and hands the outcomes back in the order the inputs
    /// came in, so a cmdlet can keep its output in input order while overlapping slow per-file I/O (the flush
    /// to disk). The producer (the pipeline thread) adds inputs and takes outcomes; it is the only thread that
    /// sees them, so it can write them to PowerShell. Every input added comes back exactly once.
    /// </summary>
    /// <remarks>
    /// Dedicated threads rather than the thread pool: the work blocks on disk flushes, and blocked pool threads
    /// are replaced only slowly, which would starve the pool on a two-core machine.
    /// </remarks>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "It is a work queue: items go in at one end and results come out in order at the other.")]
    public sealed class OrderedWorkQueue<TInput, TResult> : IDisposable
    {
        private readonly Func<TInput, CancellationToken, Task<TResult>> _work;
        private readonly int _maxConcurrency;
        private readonly CancellationTokenSource _cancellation;
        private readonly CancellationToken _cancellationToken;
        private readonly BlockingCollection<OrderedWorkItem<TInput, TResult>> _pending = new BlockingCollection<OrderedWorkItem<TInput, TResult>>();
        private readonly Dictionary<long, OrderedWorkItem<TInput, TResult>> _finished = new Dictionary<long, OrderedWorkItem<TInput, TResult>>();
        private readonly List<Thread> _workers = new List<Thread>();
        private readonly object _gate = new object();
        private long _added;
        // Work that returned an unfinished task (a file waiting for its group commit): its worker went on to the next input.
        private long _outstanding;
        private long _taken;
        private bool _disposed;
        private volatile bool _stopStarting;

        /// <param name="work">Runs on a worker thread; must not touch PowerShell.</param>
        /// <param name="maxConcurrency">How many inputs are worked on at once.</param>
        /// <param name="maxInFlight">How many inputs may be added but not yet taken before <see cref="IsFull"/>.</param>
        /// <param name="cancellationToken">Cancels inputs not yet started; running work gets the token too.</param>
        public OrderedWorkQueue(Func<TInput, CancellationToken, TResult> work, int maxConcurrency, int maxInFlight, CancellationToken cancellationToken)
            : this(work == null ? null! : (input, token) => Task.FromResult(work(input, token)), maxConcurrency, maxInFlight, cancellationToken)
        {
        }

        /// <summary>
        /// Work that may finish after it returns: the worker starts the next input at once, and the outcome is handed back
        /// (still in input order) when the task completes. How a file waits for the group commit that makes it durable
        /// without holding a worker. Up to <paramref name="maxInFlight"/> inputs may be waiting so.
        /// </summary>
        /// <param name="work">Runs on a worker thread; must not touch PowerShell; its task must complete eventually.</param>
        /// <param name="maxConcurrency">How many inputs are worked on at once (not counting those waiting on their task).</param>
        /// <param name="maxInFlight">How many inputs may be added but not yet taken before <see cref="IsFull"/>.</param>
        /// <param name="cancellationToken">Cancels inputs not yet started; running work gets the token too.</param>
        public OrderedWorkQueue(Func<TInput, CancellationToken, Task<TResult>> work, int maxConcurrency, int maxInFlight, CancellationToken cancellationToken)
        {
            if (maxConcurrency < 1) throw new ArgumentOutOfRangeException(nameof(maxConcurrency), maxConcurrency, "At least one worker is needed.");
            if (maxInFlight < maxConcurrency) throw new ArgumentOutOfRangeException(nameof(maxInFlight), maxInFlight, "Must be at least maxConcurrency.");
            _work = work ?? throw new ArgumentNullException(nameof(work));
            _maxConcurrency = maxConcurrency;
            MaxInFlight = maxInFlight;
            _cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _cancellationToken = _cancellation.Token;
        }

        public int MaxInFlight { get; }

        /// <summary>Inputs added and not yet taken.</summary>
        public long InFlight { get { lock (_gate) return _added - _taken; } }

        /// <summary>True when the producer should take an outcome (waiting if need be) before adding more.</summary>
        public bool IsFull => InFlight >= MaxInFlight;

        public bool HasPending => InFlight > 0;

        /// <summary>True once <see cref="StopStarting"/> was called.</summary>
        public bool IsStopping => _stopStarting;

        /// <summary>
        /// No input starts any more (each comes back <see cref="OrderedWorkItem{TInput, TResult}.Canceled"/>, untouched),
        /// but work already running finishes normally, not cancelled: after a terminating error (-ErrorAction Stop) the
        /// caller takes every outcome that is left, so that each file actually written still gets its result, then throws.
        /// </summary>
        public void StopStarting()
        {
            _stopStarting = true;
        }

        public void Add(TInput input)
        {
            OrderedWorkItem<TInput, TResult> item;
            lock (_gate)
            {
                if (_disposed) throw new ObjectDisposedException(nameof(OrderedWorkQueue<TInput, TResult>));
                item = new OrderedWorkItem<TInput, TResult>(_added++, input);
                if (_workers.Count < _maxConcurrency && _workers.Count < _added)
                {
                    var worker = new Thread(WorkLoop) { IsBackground = true, Name = "DicomTools worker " + _workers.Count };
                    _workers.Add(worker);
                    worker.Start();
                }
            }
            _pending.Add(item);
        }

        /// <summary>The next outcome in input order if it is ready; never waits.</summary>
        public bool TryTake(out OrderedWorkItem<TInput, TResult> item) => TryTake(TimeSpan.Zero, out item);

        /// <summary>
        /// The next outcome in input order, waiting up to <paramref name="timeout"/> for it. False when it is
        /// not ready in time or nothing is pending.
        /// </summary>
        public bool TryTake(TimeSpan timeout, out OrderedWorkItem<TInput, TResult> item)
        {
            var deadline = DateTime.UtcNow + timeout;
            lock (_gate)
            {
                while (true)
                {
                    if (_finished.TryGetValue(_taken, out item!))
                    {
                        _finished.Remove(_taken);
                        _taken++;
                        return true;
                    }
                    if (_taken == _added) return false;
                    var remaining = deadline - DateTime.UtcNow;
                    if (remaining <= TimeSpan.Zero) return false;
                    Monitor.Wait(_gate, remaining);
                }
            }
        }

        private void WorkLoop()
        {
            foreach (var item in _pending.GetConsumingEnumerable())
            {
                var token = _cancellation.Token;
                if (token.IsCancellationRequested || _stopStarting)
                {
                    item.Canceled = true;
                }
                else
                {
                    Task<TResult>? task = null;
                    try
                    {
                        task = _work(item.Input, token);
                    }
                    catch (OperationCanceledException) when (token.IsCancellationRequested)
                    {
                        item.Canceled = true;
                    }
                    catch (Exception ex)
                    {
                        item.Error = ex;
                    }
                    if (task != null && !task.IsCompleted)
                    {
                        lock (_gate) _outstanding++;
                        task.ContinueWith(done => Finish(item, done, outstanding: true), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                        continue;
                    }
                    if (task != null) Settle(item, task, token);
                }
                Finish(item, null, outstanding: false);
            }
        }

        private static void Settle(OrderedWorkItem<TInput, TResult> item, Task<TResult> task, CancellationToken token)
        {
            if (task.Status == TaskStatus.RanToCompletion) item.Result = task.Result;
            else if (task.IsCanceled || task.Exception?.InnerException is OperationCanceledException && token.IsCancellationRequested) item.Canceled = true;
            else item.Error = task.Exception!.InnerExceptions.Count == 1 ? task.Exception.InnerException : task.Exception;
        }

        private void Finish(OrderedWorkItem<TInput, TResult> item, Task<TResult>? task, bool outstanding)
        {
            if (task != null) Settle(item, task, _cancellationToken);
            lock (_gate)
            {
                if (outstanding) _outstanding--;
                _finished[item.Index] = item;
                Monitor.PulseAll(_gate);
            }
        }

        /// <summary>Cancels what has not started and waits for running work to finish (a file is never left half-written).</summary>
        public void Dispose()
        {
            Thread[] workers;
            lock (_gate)
            {
                if (_disposed) return;
                _disposed = true;
                workers = _workers.ToArray();
            }
            _cancellation.Cancel();
            _pending.CompleteAdding();
            foreach (var worker in workers) worker.Join();
            // Work waiting on its task (a file in a group commit) is running work too: wait for it to end.
            lock (_gate)
            {
                while (_outstanding > 0) Monitor.Wait(_gate);
            }
            _pending.Dispose();
            _cancellation.Dispose();
        }
    }
}
