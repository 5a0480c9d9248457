using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Engine.Upload;
using Xunit;

namespace DicomTools.Tests.Unit.Upload
{
    /// <summary>
    /// The engine's decisions from scripted answers (what Orthanc was measured to answer). The HTTP exchange
    /// itself, retries and faults are covered against the reference lab server and a real Orthanc.
    /// </summary>
    public class UploadEngineLogicTests
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

        private static async Task<IReadOnlyList<FileUploadOutcome>> Run(UploadOptions options, IUploadSender sender, IEnumerable<UploadFile> files)
        {
            using var engine = new UploadEngine(options, sender, null, CancellationToken.None);
            return await engine.UploadAllAsync(files);
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
                .OrderBy(r => r.File.Path).ToArray();
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
            Assert.Equal(7, results.Select(r => r.File.Path).Distinct().Count());
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
                .OrderBy(r => r.File.Path).ToArray();

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
                .OrderBy(r => r.File.Path).ToArray();
            Assert.All(results, r => Assert.Equal(UploadStatus.Failed, r.Status));
            Assert.Contains("not a DICOM file", results[1].Message);
            Assert.Equal(UploadFailureReason.AtomicSetFailed, results[0].FailureReason);
            Assert.Single(sender.Requests);
        }

        [Fact]
        public void RawCannotBeAtomic() =>
            Assert.Throws<ArgumentException>(() => new UploadEngine(new UploadOptions(new Uri("http://h/")) { Atomic = true }, new ScriptedSender((r, b) => Answer(200, "")), null, CancellationToken.None));
    }
}
