using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using DicomTools.Engine.Upload;
using DicomTools.Engine.Upload.Protocols;
using Xunit;

namespace DicomTools.Tests.Unit.Upload
{
    public class StowRsContentTests
    {
        /// <summary>A minimal multipart/related reader, independent of the writer, to read the body back.</summary>
        private static List<(Dictionary<string, string> Headers, byte[] Body)> ParseMultipart(byte[] body, string boundary)
        {
            var parts = new List<(Dictionary<string, string>, byte[])>();
            var delimiter = Encoding.ASCII.GetBytes("--" + boundary);
            var position = IndexOf(body, delimiter, 0);
            Assert.Equal(0, position);
            while (true)
            {
                position += delimiter.Length;
                if (body[position] == '-' && body[position + 1] == '-')
                {
                    Assert.Equal("\r\n", Encoding.ASCII.GetString(body, position + 2, body.Length - position - 2));
                    return parts;
                }
                Assert.Equal("\r\n", Encoding.ASCII.GetString(body, position, 2));
                position += 2;
                var headerEnd = IndexOf(body, Encoding.ASCII.GetBytes("\r\n\r\n"), position);
                var headers = Encoding.ASCII.GetString(body, position, headerEnd - position).Split("\r\n")
                    .Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
                var start = headerEnd + 4;
                var next = IndexOf(body, Encoding.ASCII.GetBytes("\r\n--" + boundary), start);
                parts.Add((headers, body.AsSpan(start, next - start).ToArray()));
                position = next + 2;
            }
        }

        private static int IndexOf(byte[] haystack, byte[] needle, int from) =>
            haystack.AsSpan(from).IndexOf(needle) is var i && i >= 0 ? i + from : throw new InvalidDataException("delimiter not found");

        [Fact]
        public async Task WritesOnePartPerFileWithTheFileBytesAndADeclaredLengthThatMatches()
        {
            using var files = new UploadTestFiles();
            var list = new[] { files.Add("a.dcm", 1000, seed: 1), files.Add("b.dcm", 0, seed: 2), files.Add("c.dcm", 200_000, seed: 3) };
            long progressed = 0;
            using var content = new StowRsContent(list, "application/dicom", b => Interlocked.Add(ref progressed, b), CancellationToken.None);

            var body = await content.ReadAsByteArrayAsync();

            Assert.Equal(body.Length, content.Headers.ContentLength);
            Assert.Equal("multipart/related", content.Headers.ContentType!.MediaType);
            var type = content.Headers.ContentType.Parameters.Single(p => p.Name == "type").Value;
            Assert.Equal("\"application/dicom\"", type);
            var parts = ParseMultipart(body, content.Boundary);
            Assert.Equal(3, parts.Count);
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal("application/dicom", parts[i].Headers["Content-Type"]);
                Assert.Equal(File.ReadAllBytes(list[i].Path), parts[i].Body);
                Assert.Equal(list[i].Length.ToString(), parts[i].Headers["Content-Length"]);
            }
            Assert.Equal(201_000, progressed);
        }

        [Fact]
        public async Task PartsLargerThanTheCopyBufferArriveWhole()
        {
            using var files = new UploadTestFiles();
            var size = FileStreaming.BufferSize;
            var list = new[] { files.Add("a.dcm", 2 * size + 7, seed: 4), files.Add("b.dcm", size, seed: 5), files.Add("c.dcm", 1, seed: 6) };
            using var content = new StowRsContent(list, "application/dicom", null, CancellationToken.None);

            var body = await content.ReadAsByteArrayAsync();

            Assert.Equal(body.Length, content.Headers.ContentLength);
            var parts = ParseMultipart(body, content.Boundary);
            Assert.Equal(list.Select(f => File.ReadAllBytes(f.Path)), parts.Select(p => p.Body));
        }

        [Fact]
        public async Task AFileThatChangedSizeSinceItWasQueuedFailsInsteadOfSendingAWrongLength()
        {
            using var files = new UploadTestFiles();
            var file = files.Add("a.dcm", 1000);
            File.AppendAllText(file.Path, "more");
            using var content = new StowRsContent(new[] { file }, "application/dicom", null, CancellationToken.None);
            var ex = await Assert.ThrowsAnyAsync<Exception>(() => content.ReadAsByteArrayAsync());
            var io = ex as IOException ?? Assert.IsAssignableFrom<IOException>(ex.InnerException);
            Assert.Contains("changed size", io.Message);
        }
    }

    public class FileBodyContentTests
    {
        [Theory]
        [InlineData(0)]
        [InlineData(FileStreaming.BufferSize - 1)]
        [InlineData(FileStreaming.BufferSize)]
        [InlineData(FileStreaming.BufferSize + 1)]
        [InlineData(3 * FileStreaming.BufferSize + 7)]
        public async Task SendsTheFileByteForByteAndCountsEveryByteOnceWhateverItsSizeAgainstTheCopyBuffer(int length)
        {
            using var files = new UploadTestFiles();
            var file = files.Add("a.dcm", length, seed: length % 251);
            long progressed = 0;
            using var content = new FileBodyContent(file, "application/dicom", b => Interlocked.Add(ref progressed, b), CancellationToken.None);

            var body = await content.ReadAsByteArrayAsync();

            Assert.Equal(length, content.Headers.ContentLength);
            Assert.Equal(File.ReadAllBytes(file.Path), body);
            Assert.Equal(length, progressed);
        }

        [Fact]
        public async Task AFileThatGrewWhileQueuedIsRefusedBeforeAnyByteIsSent()
        {
            using var files = new UploadTestFiles();
            var file = files.Add("a.dcm", FileStreaming.BufferSize + 10);
            File.AppendAllText(file.Path, "more");
            using var content = new FileBodyContent(file, "application/dicom", null, CancellationToken.None);
            using var sink = new MemoryStream();
            var ex = await Assert.ThrowsAnyAsync<Exception>(() => content.CopyToAsync(sink));
            var io = ex as IOException ?? Assert.IsAssignableFrom<IOException>(ex.InnerException);
            Assert.Contains("changed size", io.Message);
            Assert.Equal(0, sink.Length);
        }

        [Fact]
        public async Task ACancelledUploadStopsBetweenReads()
        {
            using var files = new UploadTestFiles();
            var file = files.Add("a.dcm", 4 * FileStreaming.BufferSize);
            using var cancel = new CancellationTokenSource();
            using var content = new FileBodyContent(file, "application/dicom", _ => cancel.Cancel(), cancel.Token);
            using var sink = new MemoryStream();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => content.CopyToAsync(sink));
            Assert.Equal(FileStreaming.BufferSize, sink.Length);
        }
    }

    public class ZipStreamContentTests
    {
        [Fact]
        public void Crc32MatchesTheStandardCheckValue()
        {
            var crc = new Crc32();
            var data = Encoding.ASCII.GetBytes("123456789");
            crc.Append(data, 0, 4);
            crc.Append(data, 4, 5);
            Assert.Equal(0xCBF43926u, crc.Value);
        }

        [Fact]
        public async Task AnArchiveReadsBackWithTheFrameworkReaderWithEveryEntryIntactAndItsCrcRight()
        {
            using var files = new UploadTestFiles();
            var list = new[]
            {
                files.Add("one.dcm", 5000, seed: 1),
                files.Add(Path.Combine("sub", "one.dcm"), 70_000, seed: 2),   // same name, other folder
                files.Add("São [1].dcm", 1, seed: 3),                          // non-ASCII name, brackets
            };
            var entries = ZipStreamContent.NameEntries(list);
            Assert.Equal(new[] { "one.dcm", "00001_one.dcm", "São [1].dcm" }, entries.Select(e => e.Name));
            using var content = new ZipStreamContent(entries, null, CancellationToken.None);

            var body = await content.ReadAsByteArrayAsync();

            Assert.Equal(body.Length, content.Headers.ContentLength);
            using var zip = new ZipArchive(new MemoryStream(body), ZipArchiveMode.Read);
            Assert.Equal(3, zip.Entries.Count);
            for (var i = 0; i < 3; i++)
            {
                var entry = zip.GetEntry(entries[i].Name)!;
                using var read = new MemoryStream();
                using (var s = entry.Open()) await s.CopyToAsync(read);
                var expected = File.ReadAllBytes(list[i].Path);
                Assert.Equal(expected, read.ToArray());
                var crc = new Crc32();
                crc.Append(expected, 0, expected.Length);
                Assert.Equal(crc.Value, entry.Crc32);
            }
        }

        [Fact]
        public async Task UnzipTestsTheArchiveClean()
        {
            if (Support.ExternalTools.Find("unzip") == null) return; // the framework reader above is the main check
            using var files = new UploadTestFiles();
            var list = files.AddMany(5, 3000);
            using var content = new ZipStreamContent(ZipStreamContent.NameEntries(list), null, CancellationToken.None);
            var path = Path.Combine(files.Root, "out.zip");
            await File.WriteAllBytesAsync(path, await content.ReadAsByteArrayAsync());
            var psi = new System.Diagnostics.ProcessStartInfo("unzip", new[] { "-t", path }) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = System.Diagnostics.Process.Start(psi)!;
            var output = await p.StandardOutput.ReadToEndAsync();
            await p.WaitForExitAsync();
            Assert.True(p.ExitCode == 0, output);
            Assert.Contains("No errors detected", output);
        }
    }
}
