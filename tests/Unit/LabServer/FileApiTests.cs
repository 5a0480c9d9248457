using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace DicomTools.Tests.Unit.LabServer
{
    public sealed class UploadApiTests : LabServerTestBase
    {
        [Fact]
        public async Task StoresTheFileByteForByteAndAnswersItsIds()
        {
            var dicom = TestDicom.Instance(1).ToBytes();
            using var response = await UploadAsync(dicom);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await ReadJsonAsync(response);
            Assert.Equal("Success", Str(body, "Status"));
            Assert.Equal("1.2.826.0.1.3680043.2.1125.1.1.1", Str(body, "SOPInstanceUID"));
            Assert.Equal("PID-1", Str(body, "PatientID"));
            var stored = Assert.Single(Server.Store.Instances);
            Assert.Equal(Str(body, "ID"), stored.ID);
            Assert.Equal("upload", stored.Via);
            Assert.Equal(dicom, File.ReadAllBytes(stored.Path));
        }

        [Fact]
        public async Task TheSameIdentityAgainIsAlreadyStoredAndKeepsTheFirstCopy()
        {
            var first = TestDicom.Instance(1);
            using var r1 = await UploadAsync(first.ToBytes());
            var second = TestDicom.Instance(1);
            second.PixelBytes = 200;   // other content, same PatientID + UIDs
            using var r2 = await UploadAsync(second.ToBytes());

            var b1 = await ReadJsonAsync(r1);
            var b2 = await ReadJsonAsync(r2);
            Assert.Equal(HttpStatusCode.OK, r2.StatusCode);
            Assert.Equal("AlreadyStored", Str(b2, "Status"));
            Assert.Equal(Str(b1, "ID"), Str(b2, "ID"));
            var stored = Assert.Single(Server.Store.Instances);
            Assert.Equal(first.ToBytes(), File.ReadAllBytes(stored.Path));
        }

        [Fact]
        public async Task ANewPatientIdIsANewInstance()
        {
            using var r1 = await UploadAsync(TestDicom.Instance(1, "PID-1").ToBytes());
            using var r2 = await UploadAsync(TestDicom.Instance(1, "PID-1-attempt2").ToBytes());
            Assert.Equal("Success", Str(await ReadJsonAsync(r2), "Status"));
            Assert.Equal(2, Server.Store.Instances.Count);
        }

        [Fact]
        public async Task TheIdIsOrthancsHashOfTheIdentity()
        {
            // Orthanc's documented instance ID for PatientID|Study|Series|SOP: SHA-1 in 5 groups.
            var id = DicomTools.LabServer.InstanceStore.ComputeId("PID-1", "1.2", "1.2.3", "1.2.3.4");
            Assert.Matches("^[0-9a-f]{8}(-[0-9a-f]{8}){4}$", id);
            Assert.NotEqual(id, DicomTools.LabServer.InstanceStore.ComputeId("PID-2", "1.2", "1.2.3", "1.2.3.4"));
        }

        [Theory]
        [InlineData("not dicom at all")]
        [InlineData("")]
        public async Task WhatIsNotDicomIs400AndNothingIsStored(string body)
        {
            using var response = await UploadAsync(Encoding.ASCII.GetBytes(body));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("Rejected", Str(await ReadJsonAsync(response), "Status"));
            Assert.Empty(Server.Store.Instances);
            Assert.Empty(Directory.GetFiles(Server.Store.StoragePath, "*", SearchOption.AllDirectories));
        }

        [Fact]
        public async Task AFileWithoutSopInstanceUidIs400()
        {
            using var response = await UploadAsync(new TestDicom { SopInstanceUid = null }.ToBytes());
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("(0008,0018)", await response.Content.ReadAsStringAsync());
        }

        [Theory]
        [InlineData(null, HttpStatusCode.Unauthorized)]
        [InlineData("Bearer upload-test-key", HttpStatusCode.Forbidden)]
        [InlineData("md-test-key", HttpStatusCode.Forbidden)]
        public async Task TheRawKeyIsRequired(string? authorization, HttpStatusCode expected)
        {
            using var request = Request(HttpMethod.Post, "api/upload", authorization: authorization);
            request.Content = new ByteArrayContent(TestDicom.Instance(1).ToBytes());
            using var response = await Http.SendAsync(request);
            Assert.Equal(expected, response.StatusCode);
            Assert.Empty(Server.Store.Instances);
        }

        [Fact]
        public async Task ALargeBodyStreamsToDisk()
        {
            // Above Kestrel's default 30 MB request limit: the upload endpoints lift it.
            var big = Path.Combine(WorkDir, "big.dcm");
            await using (var target = File.Create(big)) new TestDicom { SopInstanceUid = "1.2.3.99" }.WriteLarge(target, 40L * 1024 * 1024);
            using var request = Request(HttpMethod.Post, "api/upload", authorization: Keys.UploadKey);
            await using var file = File.OpenRead(big);
            request.Content = new StreamContent(file);
            using var response = await Http.SendAsync(request);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(new FileInfo(big).Length, Assert.Single(Server.Store.Instances).Bytes);
            Assert.Equal(new FileInfo(big).Length, Assert.Single(Server.Journal.For("upload")).BodyBytes);
        }
    }

    public sealed class StowRsTests : LabServerTestBase
    {
        private const string Boundary = "dicomtools-test-boundary";

        private async Task<HttpResponseMessage> StowAsync(params (string ContentType, byte[] Body)[] parts)
        {
            var body = new MemoryStream();
            foreach (var (type, bytes) in parts)
            {
                body.Write(Encoding.ASCII.GetBytes($"--{Boundary}\r\nContent-Type: {type}\r\n\r\n"));
                body.Write(bytes);
                body.Write(Encoding.ASCII.GetBytes("\r\n"));
            }
            body.Write(Encoding.ASCII.GetBytes($"--{Boundary}--\r\n"));
            using var request = Request(HttpMethod.Post, "dicom-web/studies", authorization: Keys.UploadKey);
            request.Content = new ByteArrayContent(body.ToArray());
            request.Content.Headers.TryAddWithoutValidation("Content-Type", $"multipart/related; type=\"application/dicom\"; boundary={Boundary}");
            return await Http.SendAsync(request);
        }

        private static string[] SequenceUids(JsonElement answer, string sequenceTag) =>
            answer.TryGetProperty(sequenceTag, out var sq)
                ? sq.GetProperty("Value").EnumerateArray().Select(i => i.GetProperty("00081155").TryGetProperty("Value", out var v) ? v[0].GetString()! : "").ToArray()
                : Array.Empty<string>();

        [Fact]
        public async Task AllStoredIs200WithTheReferencedSopSequence()
        {
            using var response = await StowAsync(("application/dicom", TestDicom.Instance(1).ToBytes()), ("application/dicom", TestDicom.Instance(2).ToBytes()));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/dicom+json", response.Content.Headers.ContentType!.MediaType);
            var answer = await ReadJsonAsync(response);
            Assert.Equal(new[] { "1.2.826.0.1.3680043.2.1125.1.1.1", "1.2.826.0.1.3680043.2.1125.1.1.2" }, SequenceUids(answer, "00081199"));
            Assert.False(answer.TryGetProperty("00081198", out _));
            var item = answer.GetProperty("00081199").GetProperty("Value")[0];
            Assert.Equal("UI", item.GetProperty("00081150").GetProperty("vr").GetString());
            Assert.Equal(TestDicom.SecondaryCapture, item.GetProperty("00081150").GetProperty("Value")[0].GetString());
            Assert.EndsWith("/dicom-web/studies/1.2.826.0.1.3680043.2.1125.1", answer.GetProperty("00081190").GetProperty("Value")[0].GetString());
            Assert.All(Server.Store.Instances, i => Assert.Equal("stow", i.Via));
            Assert.Equal(2, Server.Store.Instances.Count);
        }

        [Fact]
        public async Task SomeFailedIs202WithTheFailedSopSequenceAndReason()
        {
            using var response = await StowAsync(("application/dicom", TestDicom.Instance(1).ToBytes()), ("application/dicom", Encoding.ASCII.GetBytes("garbage")));

            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var answer = await ReadJsonAsync(response);
            Assert.Single(SequenceUids(answer, "00081199"));
            var failed = Assert.Single(answer.GetProperty("00081198").GetProperty("Value").EnumerateArray());
            var reason = failed.GetProperty("00081197");
            Assert.Equal("US", reason.GetProperty("vr").GetString());
            Assert.Equal(0xC000, reason.GetProperty("Value")[0].GetInt32());
            Assert.Single(Server.Store.Instances);
        }

        [Fact]
        public async Task NoneStoredIs409()
        {
            using var response = await StowAsync(("application/dicom", Encoding.ASCII.GetBytes("garbage")), ("text/plain", TestDicom.Instance(1).ToBytes()));
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            var answer = await ReadJsonAsync(response);
            Assert.Equal(2, answer.GetProperty("00081198").GetProperty("Value").GetArrayLength());
            Assert.Empty(Server.Store.Instances);
        }

        [Fact]
        public async Task AnAlreadyStoredInstanceIsReferencedNotFailed()
        {
            using (await UploadAsync(TestDicom.Instance(1).ToBytes())) { }
            using var response = await StowAsync(("application/dicom", TestDicom.Instance(1).ToBytes()));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Single(SequenceUids(await ReadJsonAsync(response), "00081199"));
        }

        [Fact]
        public async Task AStudyInTheUrlRefusesPartsOfAnotherStudy()
        {
            var other = TestDicom.Instance(2);
            other.StudyUid = "1.2.3.777";
            var body = $"--{Boundary}\r\nContent-Type: application/dicom\r\n\r\n";
            using var request = Request(HttpMethod.Post, "dicom-web/studies/1.2.826.0.1.3680043.2.1125.1", authorization: Keys.UploadKey);
            var content = new MemoryStream();
            foreach (var part in new[] { TestDicom.Instance(1).ToBytes(), other.ToBytes() })
            {
                content.Write(Encoding.ASCII.GetBytes(body)); content.Write(part); content.Write(Encoding.ASCII.GetBytes("\r\n"));
            }
            content.Write(Encoding.ASCII.GetBytes($"--{Boundary}--\r\n"));
            request.Content = new ByteArrayContent(content.ToArray());
            request.Content.Headers.TryAddWithoutValidation("Content-Type", $"multipart/related; type=\"application/dicom\"; boundary=\"{Boundary}\"");
            using var response = await Http.SendAsync(request);

            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var failed = (await ReadJsonAsync(response)).GetProperty("00081198").GetProperty("Value")[0];
            Assert.Equal(0xA900, failed.GetProperty("00081197").GetProperty("Value")[0].GetInt32());
            Assert.Equal("1.2.826.0.1.3680043.2.1125.1.1.2", failed.GetProperty("00081155").GetProperty("Value")[0].GetString());
        }

        [Fact]
        public async Task APartLargerThanMultipartReadersDefaultLimitIsStored()
        {
            // MultipartReader refuses sections over 128 MiB unless told otherwise; whole-slide images are bigger.
            var bodyPath = Path.Combine(WorkDir, "stow.body");
            var part = new TestDicom { SopInstanceUid = "1.2.3.130" };
            await using (var body = File.Create(bodyPath))
            {
                body.Write(Encoding.ASCII.GetBytes($"--{Boundary}\r\nContent-Type: application/dicom\r\n\r\n"));
                part.WriteLarge(body, 130L * 1024 * 1024);
                body.Write(Encoding.ASCII.GetBytes($"\r\n--{Boundary}--\r\n"));
            }
            using var request = Request(HttpMethod.Post, "dicom-web/studies", authorization: Keys.UploadKey);
            await using var stream = File.OpenRead(bodyPath);
            request.Content = new StreamContent(stream);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", $"multipart/related; type=\"application/dicom\"; boundary={Boundary}");
            using var response = await Http.SendAsync(request);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(Assert.Single(Server.Store.Instances).Bytes > 130 * 1024 * 1024);
        }

        [Theory]
        [InlineData("application/dicom")]
        [InlineData("multipart/related; type=\"application/dicom+xml\"; boundary=x")]
        public async Task OtherMediaTypesAre415(string contentType)
        {
            using var request = Request(HttpMethod.Post, "dicom-web/studies", authorization: Keys.UploadKey);
            request.Content = new ByteArrayContent(TestDicom.Instance(1).ToBytes());
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            using var response = await Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        }

        [Fact]
        public async Task ChecksTheUploadKey()
        {
            using var request = Request(HttpMethod.Post, "dicom-web/studies", authorization: "wrong");
            request.Content = new ByteArrayContent(Array.Empty<byte>());
            using var response = await Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
    }

    public sealed class ArchiveApiTests : LabServerTestBase
    {
        private static byte[] Zip(params (string Name, byte[] Body)[] entries)
        {
            var zip = new MemoryStream();
            using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
            {
                foreach (var (name, body) in entries)
                {
                    using var stream = archive.CreateEntry(name).Open();
                    stream.Write(body);
                }
            }
            return zip.ToArray();
        }

        private async Task<HttpResponseMessage> SendZipAsync(byte[] zip)
        {
            using var request = Request(HttpMethod.Post, "api/upload/archive", authorization: Keys.UploadKey);
            request.Content = new ByteArrayContent(zip);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
            return await Http.SendAsync(request);
        }

        [Fact]
        public async Task StoresEveryEntryAndListsThem()
        {
            using (await UploadAsync(TestDicom.Instance(1).ToBytes())) { }
            using var response = await SendZipAsync(Zip(("a/1.dcm", TestDicom.Instance(1).ToBytes()), ("a/2.dcm", TestDicom.Instance(2).ToBytes())));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await ReadJsonAsync(response);
            Assert.Equal("Success", Str(body, "Status"));
            var stored = body.GetProperty("Stored");
            Assert.Equal(new[] { "a/1.dcm", "a/2.dcm" }, Names(stored, "Name"));
            Assert.Equal(new[] { "AlreadyStored", "Success" }, Names(stored, "Status"));
            Assert.Equal(2, Server.Store.Instances.Count);
            Assert.Equal("archive", Server.Store.Instances[1].Via);
        }

        [Fact]
        public async Task OneBadEntryRejectsTheWholeArchiveAndStoresNothing()
        {
            using var response = await SendZipAsync(Zip(
                ("1.dcm", TestDicom.Instance(1).ToBytes()),
                ("notes.txt", Encoding.ASCII.GetBytes("not dicom")),
                ("3.dcm", TestDicom.Instance(3).ToBytes())));

            Assert.Equal((HttpStatusCode)422, response.StatusCode);
            var body = await ReadJsonAsync(response);
            Assert.Equal("Rejected", Str(body, "Status"));
            var failed = Assert.Single(body.GetProperty("Failed").EnumerateArray());
            Assert.Equal("notes.txt", Str(failed, "Name"));
            Assert.Contains("not a readable DICOM file", Str(failed, "Reason"));
            Assert.Empty(Server.Store.Instances);
            Assert.Empty(Directory.GetFiles(Server.Store.StoragePath, "*", SearchOption.AllDirectories));
        }

        [Fact]
        public async Task ABodyThatIsNotAZipIs400()
        {
            using var response = await SendZipAsync(TestDicom.Instance(1).ToBytes());
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("Rejected", Str(await ReadJsonAsync(response), "Status"));
            Assert.Empty(Server.Store.Instances);
        }

        [Fact]
        public async Task EntryNamesNeverBecomePaths()
        {
            using var response = await SendZipAsync(Zip(("../../escape.dcm", TestDicom.Instance(1).ToBytes())));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.False(File.Exists(Path.Combine(Server.Store.StoragePath, "..", "..", "escape.dcm")));
            Assert.StartsWith(Server.Store.StoragePath, Assert.Single(Server.Store.Instances).Path);
        }
    }
}
