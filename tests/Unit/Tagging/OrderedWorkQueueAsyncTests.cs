using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Engine.Tagging;
using Xunit;

namespace DicomTools.Tests.Unit.Tagging
{
    /// <summary>Work that finishes after it returns (a file waiting for its group commit) frees its worker and still comes back in order.</summary>
    public class OrderedWorkQueueAsyncTests
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

        [Fact]
        public void AWaitingInputFreesItsWorkerAndComesBackInInputOrderWhenItsTaskCompletes()
        {
            var pending = new Dictionary<int, TaskCompletionSource<int>>();
            var started = new CountdownEvent(3);
            using (var queue = new OrderedWorkQueue<int, int>((i, _) =>
            {
                var tcs = new TaskCompletionSource<int>();
                lock (pending) pending[i] = tcs;
                started.Signal();
                return tcs.Task;
            }, maxConcurrency: 1, maxInFlight: 8, CancellationToken.None))
            {
                queue.Add(0); queue.Add(1); queue.Add(2);
                // One worker started all three: none of them held it while its task was open.
                Assert.True(started.Wait(Patience));
                Assert.False(queue.TryTake(out _));
                lock (pending) { pending[2].SetResult(20); pending[1].SetResult(10); }
                Assert.False(queue.TryTake(out _)); // 0 is first and not done
                lock (pending) pending[0].SetException(new InvalidOperationException("boom"));
                Assert.True(queue.TryTake(Patience, out var first));
                Assert.Equal(0, first.Index);
                Assert.IsType<InvalidOperationException>(first.Error);
                Assert.True(queue.TryTake(Patience, out var second));
                Assert.Equal(10, second.Result);
                Assert.True(queue.TryTake(Patience, out var third));
                Assert.Equal(20, third.Result);
                Assert.False(queue.HasPending);
            }
        }

        [Fact]
        public async Task DisposeWaitsForWorkWaitingOnItsTask()
        {
            var tcs = new TaskCompletionSource<int>();
            var started = new ManualResetEventSlim();
            var queue = new OrderedWorkQueue<int, int>((i, _) => { started.Set(); return tcs.Task; }, 1, 4, CancellationToken.None);
            queue.Add(0);
            Assert.True(started.Wait(Patience));
            var disposing = Task.Run(queue.Dispose);
            // Dispose cannot finish while the task is open: whenever it is looked at, it is still waiting.
            Assert.False(disposing.IsCompleted);
            tcs.SetResult(1);
            await disposing.WaitAsync(Patience);
        }
    }
}
