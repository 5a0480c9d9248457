using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using DicomTools.Engine.Tagging;
using Xunit;

namespace DicomTools.Tests.Unit.Tagging
{
    public class OrderedWorkQueueTests
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

        /// <summary>Adds like a cmdlet's ProcessRecord (taking what is ready, waiting when full), then drains like EndProcessing.</summary>
        private static List<OrderedWorkItem<int, TResult>> Run<TResult>(OrderedWorkQueue<int, TResult> queue, int count)
        {
            var taken = new List<OrderedWorkItem<int, TResult>>();
            for (var i = 0; i < count; i++)
            {
                queue.Add(i);
                while (queue.IsFull)
                {
                    Assert.True(queue.TryTake(Patience, out var waited), "the queue made no progress");
                    taken.Add(waited);
                }
                while (queue.TryTake(out var ready)) taken.Add(ready);
            }
            while (queue.HasPending)
            {
                Assert.True(queue.TryTake(Patience, out var rest), "the queue made no progress");
                taken.Add(rest);
            }
            return taken;
        }

        [Fact]
        public void HandsEveryInputBackOnceInInputOrderWhateverOrderTheWorkFinishesIn()
        {
            var random = new Random(7);
            var delays = Enumerable.Range(0, 300).Select(_ => random.Next(0, 4)).ToArray();
            using var queue = new OrderedWorkQueue<int, int>((i, _) => { Thread.Sleep(delays[i]); return i * 10; }, 4, 16, CancellationToken.None);
            var taken = Run(queue, 300);
            Assert.Equal(Enumerable.Range(0, 300), taken.Select(t => t.Input));
            Assert.Equal(Enumerable.Range(0, 300).Select(i => i * 10), taken.Select(t => t.Result));
            Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), taken.Select(t => t.Index));
        }

        [Fact]
        public void RunsWorkConcurrentlyButNeverMoreThanTheLimit()
        {
            var running = 0;
            var peak = 0;
            using var queue = new OrderedWorkQueue<int, int>((i, _) =>
            {
                var now = Interlocked.Increment(ref running);
                int seen;
                while ((seen = Volatile.Read(ref peak)) < now && Interlocked.CompareExchange(ref peak, now, seen) != seen) { }
                Thread.Sleep(5);
                Interlocked.Decrement(ref running);
                return i;
            }, 3, 12, CancellationToken.None);
            Run(queue, 60);
            Assert.Equal(3, peak);
        }

        [Fact]
        public void KeepsNoMoreInFlightThanAllowed()
        {
            using var gate = new ManualResetEventSlim(false);
            using var queue = new OrderedWorkQueue<int, int>((i, _) => { gate.Wait(); return i; }, 2, 5, CancellationToken.None);
            for (var i = 0; i < 5; i++) queue.Add(i);
            Assert.True(queue.IsFull);
            Assert.False(queue.TryTake(TimeSpan.FromMilliseconds(50), out _));
            gate.Set();
            Assert.True(queue.TryTake(Patience, out var first));
            Assert.Equal(0, first.Input);
            Assert.False(queue.IsFull);
        }

        [Fact]
        public void AFailingItemCarriesItsExceptionAndTheOthersGoOn()
        {
            using var queue = new OrderedWorkQueue<int, string>((i, _) => i == 3 ? throw new InvalidOperationException("bad " + i) : "ok " + i, 2, 8, CancellationToken.None);
            var taken = Run(queue, 6);
            Assert.Equal(6, taken.Count);
            Assert.Equal("bad 3", Assert.IsType<InvalidOperationException>(taken[3].Error).Message);
            Assert.All(taken.Where(t => t.Input != 3), t => Assert.Equal("ok " + t.Input, t.Result));
        }

        [Fact]
        public void CancellationSkipsWhatHasNotStartedAndStillAccountsForEveryInput()
        {
            using var cancellation = new CancellationTokenSource();
            using var started = new ManualResetEventSlim(false);
            using var release = new ManualResetEventSlim(false);
            var ran = 0;
            using var queue = new OrderedWorkQueue<int, int>((i, token) =>
            {
                Interlocked.Increment(ref ran);
                started.Set();
                release.Wait(Patience);   // the first input is still running when the cancellation comes
                return i;
            }, 1, 100, cancellation.Token);
            for (var i = 0; i < 20; i++) queue.Add(i);
            Assert.True(started.Wait(Patience));
            cancellation.Cancel();
            release.Set();
            var taken = new List<OrderedWorkItem<int, int>>();
            while (queue.HasPending)
            {
                Assert.True(queue.TryTake(Patience, out var item));
                taken.Add(item);
            }
            Assert.Equal(Enumerable.Range(0, 20), taken.Select(t => t.Input));
            Assert.Equal(ran, taken.Count(t => !t.Canceled));
            Assert.True(taken.Count(t => t.Canceled) >= 18, "inputs queued behind the running one are not started");
        }

        [Fact]
        public void DisposeWaitsForRunningWork()
        {
            var finished = 0;
            using var started = new ManualResetEventSlim(false);
            var queue = new OrderedWorkQueue<int, int>((i, _) => { started.Set(); Thread.Sleep(100); Interlocked.Increment(ref finished); return i; }, 1, 10, CancellationToken.None);
            queue.Add(1);
            queue.Add(2);
            Assert.True(started.Wait(Patience));
            queue.Dispose();
            Assert.Equal(1, Volatile.Read(ref finished));
        }
    }
}
