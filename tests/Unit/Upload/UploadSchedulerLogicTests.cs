using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Engine.Upload;
using DicomTools.Engine.Upload.Protocols;
using DicomTools.Engine.Upload.Scheduling;
using DicomTools.Tests.Unit.Support;
using Xunit;

namespace DicomTools.Tests.Unit.Upload
{
    /// <summary>
    /// The scheduler's and protocols' decisions from scripted answers (what Orthanc was measured to answer). The HTTP exchange
    /// itself, retries and faults are covered against the reference lab server and a real Orthanc.
    /// </summary>
    public class UploadSchedulerLogicTests
    {
        private sealed class ScriptedSender : IUploadSender
        {
            private readonly Func<HttpRequestMessage, byte[], UploadExchange> _answer;
            public ScriptedSender(Func<HttpRequestMessage, byte[], UploadExchange> answer) { _answer = answer; }
            public ConcurrentQueue<(HttpMethod Method, string Path, int Bytes)> Requests { get; } = new ConcurrentQueue<(HttpMethod, string, int)>();

            public async Task<UploadExchange> SendAsync(UploadRequest description, CancellationToken cancellationToken)
            {
                using var request = new HttpRequestMessage(description.Method, description.Uri) { Content = description.Content?.Invoke() };
                var body = request.Content == null ? Array.Empty<byte>() : await request.Content.ReadAsByteArrayAsync(cancellationToken);
                Requests.Enqueue((request.Method, request.RequestUri!.AbsolutePath, body.Length));
                return _answer(request, body);
            }
        }

        private static UploadExchange Answer(int status, string body) => new UploadExchange(status, body, 1);

        private static async Task<IReadOnlyList<UploadResult>> Run(UploadOptions options, IUploadSender sender, IEnumerable<UploadFile> files)
        {
            using var scheduler = new UploadScheduler(options, sender, null, CancellationToken.None);
            return await scheduler.UploadAllAsync(files);
        }

        [Fact]
        public async Task StowRs200WithNothingStoredFailsEveryFile()
        {
            using var files = new UploadTestFiles();
            var list = files.AddMany(3);
            var sender = new ScriptedSender((r, b) => Answer(200, UploadAnswersTests.NothingStored));
            var results = await Run(new UploadOptions(new Uri("http://h/dicom-web/studies")) { Protocol = UploadProtocol.StowRs }, sender, list);
            Assert.Equal(3, results.Count);
            Assert.All(results, r => Assert.Equal(UploadStatus.Failed, r.Status));
            Assert.All(results, r => Assert.Equal(200, r.StatusCode));
            Assert.All(results, r => Assert.Contains("does not list it as stored", r.Message));
        }

        [Fact]
        public async Task StowRs202PartialSuccessGivesEachFileItsOwnStatus()
        {
            using var files = new UploadTestFiles();
            var list = files.AddMany(3); // SOP UIDs 1.2.3.4.1 .. 1.2.3.4.3
            const string answer = @"{ ""00081199"": { ""vr"": ""SQ"", ""Value"": [ { ""00081155"": { ""vr"": ""UI"", ""Value"": [""1.2.3.4.1""] } }, { ""00081155"": { ""vr"": ""UI"", ""Value"": [""1.2.3.4.3""] } } ] },
                                      ""00081198"": { ""vr"": ""SQ"", ""Value"": [ { ""00081155"": { ""vr"": ""UI"", ""Value"": [""1.2.3.4.2""] }, ""00081197"": { ""vr"": ""US"", ""Value"": [43264] } } ] } }";
            var sender = new ScriptedSender((r, b) => Answer(202, answer));
            var results = (await Run(new UploadOptions(new Uri("http://h/dicom-web/studies")) { Protocol = UploadProtocol.StowRs }, sender, list))
                .OrderBy(r => r.Path).ToArray();
            Assert.Equal(UploadStatus.Stored, results[0].Status);
            Assert.Equal(UploadStatus.Failed, results[1].Status);
            Assert.Contains("0xA900", results[1].Message);
            Assert.Equal(UploadStatus.Stored, results[2].Status);
            Assert.All(results, r => Assert.Equal(202, r.StatusCode));
        }

        [Fact]
        public async Task StowRsSendsFullBatchesAndTheRestAtTheEnd()
        {
            using var files = new UploadTestFiles();
            var list = files.AddMany(7);
            var sender = new ScriptedSender((r, b) => Answer(409, UploadAnswersTests.NothingStored));
            var results = await Run(new UploadOptions(new Uri("http://h/dicom-web/studies")) { Protocol = UploadProtocol.StowRs, BatchSize = 3 }, sender, list);
            Assert.Equal(3, sender.Requests.Count);
            Assert.Equal(7, results.Select(r => r.Path).Distinct().Count());
        }

        [Fact]
        public async Task RawReadsAlreadyStoredAsSuccess()
        {
            using var files = new UploadTestFiles();
            var list = files.AddMany(2);
            var sender = new ScriptedSender((r, b) => Answer(200, @"{ ""ID"": ""abc"", ""Status"": ""AlreadyStored"" }"));
            var results = await Run(new UploadOptions(new Uri("http://h/instances")), sender, list);
            Assert.All(results, r => Assert.Equal(UploadStatus.AlreadyStored, r.Status));
            Assert.All(results, r => Assert.Equal("abc", r.ServerId));
            Assert.Equal(list.Sum(f => (int)f.Length), sender.Requests.Sum(r => r.Bytes));
        }

        /// <summary>
        /// Orthanc stores the good entries of a ZIP and skips the bad one (measured: it may even answer 200). -Atomic must
        /// notice the missing entry and delete what this request stored, but not what Orthanc already had.
        /// </summary>
        [Fact]
        public async Task AtomicArchiveOnOrthancDeletesWhatThisRequestStoredWhenAnEntryIsMissing()
        {
            using var files = new UploadTestFiles();
            var list = files.AddMany(3);
            var ids = list.Select(f => OrthancIds.InstanceId(f)!).ToArray();
            var deleted = new ConcurrentBag<string>();
            var sender = new ScriptedSender((r, b) =>
            {
                var path = r.RequestUri!.AbsolutePath;
                if (r.Method == HttpMethod.Get && path == "/system") return Answer(200, @"{ ""ApiVersion"": 16, ""DatabaseVersion"": 6 }");
                if (r.Method == HttpMethod.Get) return Answer(path.EndsWith(ids[0]) ? 200 : 404, "{}"); // file 0 was there before
                if (r.Method == HttpMethod.Delete) { deleted.Add(path); return Answer(200, "{}"); }
                // Stored entries 0 (AlreadyStored) and 1; entry 2 is absent from the answer.
                return Answer(200, "[" + string.Join(",", new[] { (ids[0], "AlreadyStored"), (ids[1], "Success") }.Select(x =>
                    $@"{{ ""ID"": ""{x.Item1}"", ""ParentStudy"": ""s"", ""Path"": ""/instances/{x.Item1}"", ""Status"": ""{x.Item2}"" }}")) + "]");
            });
            var results = (await Run(new UploadOptions(new Uri("http://h/instances")) { Protocol = UploadProtocol.Archive, Atomic = true }, sender, list))
                .OrderBy(r => r.Path).ToArray();

            Assert.All(results, r => Assert.Equal(UploadStatus.Failed, r.Status));
            Assert.Equal(new[] { "/instances/" + ids[1], "/instances/" + ids[2] }.OrderBy(x => x), deleted.OrderBy(x => x));
            Assert.False(results[0].RolledBack);
            Assert.Contains("left in place", results[0].Message);
            Assert.True(results[1].RolledBack);
            Assert.Contains("Rolled back", results[1].Message);
            Assert.Contains("does not list entry 'f002.dcm'", results[2].Message);
            Assert.Equal(1, sender.Requests.Count(r => r.Method == HttpMethod.Post));
        }

        [Fact]
        public async Task AtomicStowRsAgainstAServerThatCannotRollBackSendsNothing()
        {
            using var files = new UploadTestFiles();
            var list = files.AddMany(2);
            var sender = new ScriptedSender((r, b) => Answer(404, "Not Found"));
            var results = await Run(new UploadOptions(new Uri("http://h/dicom-web/studies")) { Protocol = UploadProtocol.StowRs, Atomic = true }, sender, list);
            Assert.All(results, r => Assert.Equal(UploadFailureReason.Unsupported, r.FailureReason));
            Assert.DoesNotContain(sender.Requests, r => r.Method == HttpMethod.Post);
        }

        [Fact]
        public async Task AtomicOnAnAllOrNothingServerReportsNoneStoredWhenItRejects()
        {
            using var files = new UploadTestFiles();
            var list = files.AddMany(3);
            var sender = new ScriptedSender((r, b) => Answer(422, @"{""Status"":""Rejected"",""Failed"":[{""Name"":""f001.dcm"",""Reason"":""not a DICOM file""}]}"));
            var results = (await Run(new UploadOptions(new Uri("http://h/api/upload/archive")) { Protocol = UploadProtocol.Archive, Atomic = true, ServerKind = UploadServerKind.AllOrNothing }, sender, list))
                .OrderBy(r => r.Path).ToArray();
            Assert.All(results, r => Assert.Equal(UploadStatus.Failed, r.Status));
            Assert.Contains("not a DICOM file", results[1].Message);
            Assert.Equal(UploadFailureReason.AtomicSetFailed, results[0].FailureReason);
            Assert.Single(sender.Requests);
        }

        [Fact]
        public void RawCannotBeAtomic() =>
            Assert.Throws<ArgumentException>(() => new UploadScheduler(new UploadOptions(new Uri("http://h/")) { Atomic = true }, new ScriptedSender((r, b) => Answer(200, "")), null, CancellationToken.None));

        /// <summary>Answers each request with what the test's function returns, whenever it returns it.</summary>
        private sealed class DelegateSender : IUploadSender
        {
            private readonly Func<UploadRequest, Task<UploadExchange>> _answer;
            public DelegateSender(Func<UploadRequest, Task<UploadExchange>> answer) { _answer = answer; }
            public Task<UploadExchange> SendAsync(UploadRequest request, CancellationToken cancellationToken) => _answer(request);
        }

        private const string StoredAnswer = @"{ ""ID"": ""x"", ""Status"": ""Success"" }";

        private static async Task<List<UploadResult>> TakeAll(UploadScheduler scheduler)
        {
            var results = new List<UploadResult>();
            while (!scheduler.IsFinished)
            {
                if (scheduler.TryTake(out var result)) results.Add(result);
                else await scheduler.WaitForResultAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
            }
            return results;
        }

        /// <summary>Issue 11 item 3: results in input order, while the requests still run side by side.</summary>
        [Fact]
        public async Task ResultsComeOutInInputOrderThoughTheFirstFileFinishesLast()
        {
            using var files = new UploadTestFiles();
            var list = files.AddMany(4);
            var othersDone = 0;
            var firstMayAnswer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var finished = new ConcurrentQueue<string>();
            var sender = new DelegateSender(async request =>
            {
                if (request.Operation.Contains("f000")) await firstMayAnswer.Task.WaitAsync(TimeSpan.FromSeconds(30));
                finished.Enqueue(request.Operation);
                // The first file answers only once the three others have: they can only have run beside it.
                if (!request.Operation.Contains("f000") && Interlocked.Increment(ref othersDone) == 3) firstMayAnswer.TrySetResult();
                return Answer(200, StoredAnswer);
            });
            var results = await Run(new UploadOptions(new Uri("http://h/instances")) { ThrottleLimit = 4 }, sender, list);
            Assert.Contains("f000", finished.Last());
            Assert.Equal(list.Select(f => f.Path), results.Select(r => r.Path));
            Assert.All(results, r => Assert.Equal(UploadStatus.Stored, r.Status));
        }

        /// <summary>Issue 9 item 21: an input the caller did not send is reported in its place, NotSent with its reason.</summary>
        [Fact]
        public async Task AResultTheCallerDecidedComesOutInItsPlace()
        {
            using var files = new UploadTestFiles();
            var list = files.AddMany(2);
            using var scheduler = new UploadScheduler(new UploadOptions(new Uri("http://h/instances")),
                new DelegateSender(_ => Task.FromResult(Answer(200, StoredAnswer))), null, CancellationToken.None);
            scheduler.Add(list[0]);
            scheduler.AddResult(UploadResult.NotSent("/data/damaged.dcm", 10, UploadProtocol.Raw, "Not sent: Set-DicomTags failed on it."));
            scheduler.Add(list[1]);
            scheduler.Complete();
            var results = await TakeAll(scheduler);
            Assert.Equal(new[] { list[0].Path, "/data/damaged.dcm", list[1].Path }, results.Select(r => r.Path));
            Assert.Equal(new[] { UploadStatus.Stored, UploadStatus.NotSent, UploadStatus.Stored }, results.Select(r => r.Status));
            Assert.Equal(UploadFailureReason.InputNotReady, results[1].FailureReason);
            Assert.Equal(3, scheduler.Progress.FilesDone);
        }

        [Fact]
        public async Task DurationIsMeasuredOnTheInjectedClock()
        {
            using var files = new UploadTestFiles();
            var clock = new ManualClock();
            var sender = new DelegateSender(_ =>
            {
                clock.Advance(TimeSpan.FromSeconds(3));
                return Task.FromResult(Answer(200, StoredAnswer));
            });
            using var scheduler = new UploadScheduler(new UploadOptions(new Uri("http://h/instances")), sender, null, CancellationToken.None, clock);
            var result = Assert.Single(await scheduler.UploadAllAsync(files.AddMany(1)));
            Assert.Equal(TimeSpan.FromSeconds(3), result.Duration);
        }

        /// <summary>The cmdlet's wait: a result wakes it at once; otherwise it wakes when the clock says, to refresh progress.</summary>
        [Fact]
        public async Task WaitingWakesForAResultAtOnceAndOtherwiseWhenTheClockSays()
        {
            using var files = new UploadTestFiles();
            var clock = new ManualClock();
            var answer = new TaskCompletionSource<UploadExchange>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var scheduler = new UploadScheduler(new UploadOptions(new Uri("http://h/instances")), new DelegateSender(_ => answer.Task), null, CancellationToken.None, clock);
            scheduler.Add(files.AddMany(1)[0]);
            scheduler.Complete();

            var wait = scheduler.WaitForResultAsync(TimeSpan.FromMilliseconds(250), CancellationToken.None);
            clock.Advance(TimeSpan.FromMilliseconds(249));
            Assert.False(wait.IsCompleted);
            clock.Advance(TimeSpan.FromMilliseconds(1));
            Assert.False(await wait.WaitAsync(TimeSpan.FromSeconds(30)));   // woke up without a result
            Assert.False(scheduler.TryTake(out _));

            var next = scheduler.WaitForResultAsync(TimeSpan.FromHours(1), CancellationToken.None);
            answer.SetResult(Answer(200, StoredAnswer));
            Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(30)));    // the clock did not move: the result woke it
            Assert.True(scheduler.TryTake(out var result));
            Assert.Equal(UploadStatus.Stored, result.Status);
        }

        /// <summary>
        /// The cmdlet's synchronous wait is woken by the workers themselves, in batches: WakeBatch results or the last ones
        /// wake it without the clock moving; fewer do not.
        /// </summary>
        [Fact]
        public async Task SynchronousWaitWakesForABatchOrTheLastResults()
        {
            using var files = new UploadTestFiles();
            var count = UploadScheduler.WakeBatch + 3;
            var gates = Enumerable.Range(0, count).Select(_ => new TaskCompletionSource<UploadExchange>(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
            var next = -1;
            var clock = new ManualClock();
            using var scheduler = new UploadScheduler(new UploadOptions(new Uri("http://h/instances")) { ThrottleLimit = 1 },
                new DelegateSender(_ => gates[Interlocked.Increment(ref next)].Task), null, CancellationToken.None, clock);
            foreach (var f in files.AddMany(count)) scheduler.Add(f);

            var wait = Task.Run(() => scheduler.WaitForResult(TimeSpan.FromHours(1), CancellationToken.None));
            await clock.NextWaitAsync(d => d == TimeSpan.FromHours(1));   // it arms its clock just before it parks
            for (var i = 0; i < UploadScheduler.WakeBatch - 1; i++) gates[i].SetResult(Answer(200, StoredAnswer));
            Assert.True(SpinWait.SpinUntil(() => scheduler.Progress.FilesDone == UploadScheduler.WakeBatch - 1, TimeSpan.FromSeconds(30)));
            Assert.False(wait.IsCompleted);
            gates[UploadScheduler.WakeBatch - 1].SetResult(Answer(200, StoredAnswer));
            Assert.True(await wait.WaitAsync(TimeSpan.FromSeconds(30)));
            var taken = 0;
            while (scheduler.TryTake(out _)) taken++;
            Assert.Equal(UploadScheduler.WakeBatch, taken);

            scheduler.Complete();
            var last = Task.Run(() => scheduler.WaitForResult(TimeSpan.FromHours(1), CancellationToken.None));
            for (var i = UploadScheduler.WakeBatch; i < count; i++) gates[i].SetResult(Answer(200, StoredAnswer));
            Assert.True(await last.WaitAsync(TimeSpan.FromSeconds(30)));   // 3 results, then the end
            await scheduler.Completion.WaitAsync(TimeSpan.FromSeconds(30));
            while (scheduler.TryTake(out _)) taken++;
            Assert.Equal(count, taken);
            Assert.False(scheduler.WaitForResult(TimeSpan.FromHours(1), CancellationToken.None));
        }

        /// <summary>The synchronous wait: the clock wakes it when nothing is ready; a failed result wakes it at once (-ErrorAction Stop must stop sending).</summary>
        [Fact]
        public async Task SynchronousWaitWakesWhenTheClockSaysAndAtOnceForAFailure()
        {
            using var files = new UploadTestFiles();
            var clock = new ManualClock();
            var answer = new TaskCompletionSource<UploadExchange>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var scheduler = new UploadScheduler(new UploadOptions(new Uri("http://h/instances")) { ThrottleLimit = 1 }, new DelegateSender(_ => answer.Task), null, CancellationToken.None, clock);
            foreach (var f in files.AddMany(3)) scheduler.Add(f);

            var tick = Task.Run(() => scheduler.WaitForResult(TimeSpan.FromMilliseconds(250), CancellationToken.None));
            await clock.NextWaitAsync(d => d == TimeSpan.FromMilliseconds(250));
            Assert.False(tick.IsCompleted);
            clock.Advance(TimeSpan.FromMilliseconds(250));
            Assert.False(await tick.WaitAsync(TimeSpan.FromSeconds(30)));   // woke up without a result

            var failed = Task.Run(() => scheduler.WaitForResult(TimeSpan.FromHours(1), CancellationToken.None));
            answer.SetResult(Answer(404, "Not Found"));
            Assert.True(await failed.WaitAsync(TimeSpan.FromSeconds(30)));  // the clock did not move
            Assert.True(scheduler.TryTake(out var result));
            Assert.Equal(UploadStatus.Failed, result.Status);
        }

        [Fact]
        public async Task SynchronousWaitReturnsWhenCancelled()
        {
            var clock = new ManualClock();
            using var scheduler = new UploadScheduler(new UploadOptions(new Uri("http://h/instances")), new DelegateSender(_ => new TaskCompletionSource<UploadExchange>().Task), null, CancellationToken.None, clock);
            using var cancel = new CancellationTokenSource();
            var wait = Task.Run(() => scheduler.WaitForResult(TimeSpan.FromHours(1), cancel.Token));
            cancel.Cancel();
            Assert.False(await wait.WaitAsync(TimeSpan.FromSeconds(30)));
        }

        [Fact]
        public async Task WaitingReturnsWhenCancelled()
        {
            var clock = new ManualClock();
            using var scheduler = new UploadScheduler(new UploadOptions(new Uri("http://h/instances")), new DelegateSender(_ => new TaskCompletionSource<UploadExchange>().Task), null, CancellationToken.None, clock);
            using var cancel = new CancellationTokenSource();
            var wait = scheduler.WaitForResultAsync(TimeSpan.FromHours(1), cancel.Token);
            cancel.Cancel();
            Assert.False(await wait.WaitAsync(TimeSpan.FromSeconds(30)));
        }
    }
}
