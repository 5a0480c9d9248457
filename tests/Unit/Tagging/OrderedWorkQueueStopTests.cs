using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using DicomTools.Engine.Tagging;
using Xunit;

namespace DicomTools.Tests.Unit.Tagging
{
    /// <summary>
    /// StopStarting, what Set-DicomTags does on a terminating error (-ErrorAction Stop): nothing new starts, what runs
    /// finishes (never cancelled half-way), and every input that ran comes back with its result, in input order.
    /// </summary>
    public class OrderedWorkQueueStopTests
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

        [Fact]
        public void StopStartingLetsRunningWorkFinishAndStartsNothingElse()
        {
            using var gate = new ManualResetEventSlim(false);
            var started = 0;
            var cancelledWhileRunning = 0;
            using var allRunning = new CountdownEvent(4);
            using var queue = new OrderedWorkQueue<int, int>((i, token) =>
            {
                Interlocked.Increment(ref started);
                allRunning.Signal();
                gate.Wait();
                if (token.IsCancellationRequested) Interlocked.Increment(ref cancelledWhileRunning);
                return i * 10;
            }, 4, 64, CancellationToken.None);
            for (var i = 0; i < 40; i++) queue.Add(i);
            Assert.True(allRunning.Wait(Patience), "four workers should be running");

            queue.StopStarting();
            Assert.True(queue.IsStopping);
            gate.Set();
            var taken = new List<OrderedWorkItem<int, int>>();
            while (queue.HasPending)
            {
                Assert.True(queue.TryTake(Patience, out var item), "the queue made no progress");
                taken.Add(item);
            }

            Assert.Equal(Enumerable.Range(0, 40), taken.Select(t => t.Input));
            var ran = taken.Where(t => !t.Canceled).ToList();
            Assert.Equal(Enumerable.Range(0, 4), ran.Select(t => t.Input));
            Assert.Equal(Enumerable.Range(0, 4).Select(i => i * 10), ran.Select(t => t.Result));
            Assert.Equal(4, Volatile.Read(ref started));
            Assert.Equal(0, Volatile.Read(ref cancelledWhileRunning));
            Assert.All(taken.Skip(4), t => Assert.True(t.Canceled));
        }

        [Fact]
        public void EveryInputWhoseWorkRanIsHandedBackAfterAStopMidRun()
        {
            // The producer's view of a -ErrorAction Stop: it takes outcomes in order until one fails, stops starting,
            // then takes the rest. Whatever ran (wrote a file) must be among what it took.
            var ranInputs = new System.Collections.Concurrent.ConcurrentBag<int>();
            using var queue = new OrderedWorkQueue<int, int>((i, _) =>
            {
                ranInputs.Add(i);
                Thread.Sleep(i % 3);
                if (i == 9) throw new InvalidOperationException("damaged");
                return i;
            }, 8, 400, CancellationToken.None);
            for (var i = 0; i < 400; i++) queue.Add(i);
            var taken = new List<OrderedWorkItem<int, int>>();
            while (true)
            {
                Assert.True(queue.TryTake(Patience, out var item));
                taken.Add(item);
                if (item.Error != null) break;
            }
            queue.StopStarting();
            while (queue.HasPending)
            {
                Assert.True(queue.TryTake(Patience, out var item));
                taken.Add(item);
            }
            Assert.Equal(Enumerable.Range(0, 400), taken.Select(t => t.Input));
            Assert.Equal(ranInputs.OrderBy(i => i), taken.Where(t => !t.Canceled).Select(t => t.Input));
            Assert.True(ranInputs.Count < 400, "inputs queued after the stop were not started");
        }
    }
}
