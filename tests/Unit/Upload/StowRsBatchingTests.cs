using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Engine.Upload;
using DicomTools.Engine.Upload.Protocols;
using DicomTools.Engine.Upload.Scheduling;
using Xunit;

namespace DicomTools.Tests.Unit.Upload
{
    public class StowRsBatchingTests
    {
        /// <summary>Counts the parts of every STOW-RS body it is given and stores them all.</summary>
        private sealed class PartCountingSender : IUploadSender
        {
            public ConcurrentQueue<int> PartsPerRequest { get; } = new ConcurrentQueue<int>();

            public async Task<UploadExchange> SendAsync(UploadRequest request, CancellationToken cancellationToken)
            {
                using var content = Assert.IsType<StowRsContent>(request.Content!());
                var body = Encoding.ASCII.GetString(await content.ReadAsByteArrayAsync(cancellationToken));
                var delimiter = "--" + content.Boundary + "\r\n";
                var uids = body.Split(delimiter).Skip(1).Count();
                PartsPerRequest.Enqueue(uids);
                return new UploadExchange(409, UploadAnswersTests.NothingStored, 1);
            }
        }

        [Fact]
        public void TheDefaultBatchIsTenFiles()
        {
            Assert.Equal(10, UploadOptions.DefaultBatchSize);
            Assert.Equal(UploadOptions.DefaultBatchSize, new UploadOptions(new Uri("http://h/dicom-web/studies")).BatchSize);
        }

        [Fact]
        public async Task WithoutABatchSizeTwentyOneFilesGoInRequestsOfTenTenAndOne()
        {
            using var files = new UploadTestFiles();
            var list = files.AddMany(21);
            var sender = new PartCountingSender();
            using var scheduler = new UploadScheduler(new UploadOptions(new Uri("http://h/dicom-web/studies")) { Protocol = UploadProtocol.StowRs, ThrottleLimit = 1 },
                sender, null, CancellationToken.None);

            var results = await scheduler.UploadAllAsync(list);

            Assert.Equal(21, results.Count);
            Assert.Equal(new[] { 10, 10, 1 }, sender.PartsPerRequest.ToArray());
        }
    }
}
