using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using DicomTools.Dicom.Network;
using DicomTools.Tests.Unit.Dicom;
using DicomTools.Tests.Unit.Support;
using Xunit;
using static DicomTools.Tests.Unit.Network.PeerConnection;

namespace DicomTools.Tests.Unit.Network
{
    /// <summary>
    /// A file's data set is read with one scatter read per PDU buffer (~256 KiB), not one read per PDU: the peer must
    /// still get the exact bytes, cut at its maximum PDU length, with the last-fragment bit only at the end, whatever
    /// the file's length against the PDU and buffer boundaries.
    /// </summary>
    public class ScatterReadTests
    {
        private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
        private const int CoalesceBytes = 256 * 1024; // PDataWriter's buffer

        public enum Boundary { Anywhere, ExactPdu, ExactBuffer }

        [Theory]
        [InlineData(16384u, true, Boundary.Anywhere)]
        [InlineData(16384u, false, Boundary.Anywhere)]
        [InlineData(5001u, true, Boundary.Anywhere)]
        [InlineData(4102u, true, Boundary.ExactPdu)]
        [InlineData(4102u, true, Boundary.ExactBuffer)]
        [InlineData(4102u, false, Boundary.ExactBuffer)]
        public async Task TwoFilesOnOneAssociationArriveExactlyInFewReads(uint maxPduLength, bool blockingIo, Boundary boundary)
        {
            using var temp = new TempFolder();
            var capacity = (int)maxPduLength - 6;
            var framesPerBuffer = Math.Max(1, CoalesceBytes / (12 + capacity));
            // ExactPdu: 100 PDUs, which is no whole number of buffers. ExactBuffer: the data set ends with the second buffer;
            // the first one carries the C-STORE-RQ command in front, so one PDU fewer of data.
            var exactLength = boundary == Boundary.ExactPdu ? capacity * 100
                : boundary == Boundary.ExactBuffer ? (framesPerBuffer - 1) * capacity + framesPerBuffer * capacity : 0;
            var first = WriteImage(temp, "first.dcm", 600_000, exactLength, 3);
            var second = WriteImage(temp, "second.dcm", 90_000, 0, 11);
            var files = new[] { first, second };

            var received = new List<(byte[] Data, int LargestPdu)>();
            await using var peer = new ScriptedPeer(async c =>
            {
                var rq = await c.ReadAsync();
                await c.SendAsync(0x02, AcceptBody(rq!, maxPduLength: maxPduLength));
                for (var i = 0; i < files.Length; i++)
                {
                    var msg = await c.ReadMessageAsync(expectData: true);
                    received.Add((msg!.Value.Data, msg.Value.LargestPdu));
                    var rsp = Command((0x0002, UI(DicomTestFiles.SecondaryCapture)), (0x0100, US(0x8001)), (0x0120, Element(msg.Value.Command, 0x0110)!), (0x0800, US(0x0101)), (0x0900, US(0x0000)));
                    await c.WriteAsync(PData(msg.Value.Context, true, true, rsp));
                }
                await c.DrainAsync();
            });
            var options = new DicomAssociationOptions("127.0.0.1", peer.Port, "SCRIPTED").WithTimeout(TimeSpan.FromSeconds(30));
            options.BlockingIo = blockingIo;

            var reads = await Task.Run(async () =>
            {
                var counts = new List<(int Reads, long DatasetBytes)>();
                using var association = await DicomAssociation.OpenAsync(options,
                    DicomPresentationContext.ForFiles(new[] { (DicomTestFiles.SecondaryCapture, DicomTestFiles.ExplicitLE) }), default);
                foreach (var path in files)
                {
                    using var source = DicomStoreSource.Open(path);
                    var before = association.Writer.SourceReads;
                    var result = await association.StoreAsync(source, default);
                    Assert.Equal(DicomStoreOutcome.Stored, result.Outcome);
                    counts.Add((association.Writer.SourceReads - before, result.Bytes));
                }
                return counts;
            }).WaitAsync(Guard);

            for (var i = 0; i < files.Length; i++)
            {
                var file = File.ReadAllBytes(files[i]);
                var (data, largest) = received[i];
                Assert.Equal(file.AsSpan(file.Length - data.Length).ToArray(), data);
                Assert.Equal(reads[i].DatasetBytes, data.Length);
                Assert.True(largest <= maxPduLength, $"a PDU of {largest} bytes, more than the {maxPduLength} announced");
                // One read per buffer of frames (the first shares its buffer with the command), plus the one that finds
                // the end; one per PDU before.
                var atMost = (int)Math.Ceiling(data.Length / (double)(framesPerBuffer * capacity)) + 2;
                Assert.True(reads[i].Reads <= atMost, $"{reads[i].Reads} reads for {data.Length} bytes, expected at most {atMost}");
            }
            if (exactLength > 0) Assert.Equal(exactLength, received[0].Data.Length); // the case really ends on the boundary
        }

        /// <summary>
        /// The C-STORE-RQ command waits in the buffer for its data set: a small file's whole C-STORE leaves in one socket
        /// write (no lone ~200-byte segment per file), and the peer still reads the command, complete, before the data.
        /// </summary>
        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public async Task TheCommandLeavesWithItsDataSetInOneWrite(bool blockingIo)
        {
            using var temp = new TempFolder();
            var paths = new[] { WriteImage(temp, "a.dcm", 20_000, 0, 5), WriteImage(temp, "b.dcm", 3_000, 0, 7) };
            var received = new List<(byte[] Command, byte[] Data)>();
            await using var peer = new ScriptedPeer(async c =>
            {
                var rq = await c.ReadAsync();
                await c.SendAsync(0x02, AcceptBody(rq!, maxPduLength: 16384));
                for (var i = 0; i < paths.Length; i++)
                {
                    var msg = await c.ReadMessageAsync(expectData: true);
                    received.Add((msg!.Value.Command, msg.Value.Data));
                    var rsp = Command((0x0002, UI(DicomTestFiles.SecondaryCapture)), (0x0100, US(0x8001)), (0x0120, Element(msg.Value.Command, 0x0110)!), (0x0800, US(0x0101)), (0x0900, US(0x0000)));
                    await c.WriteAsync(PData(msg.Value.Context, true, true, rsp));
                }
                await c.DrainAsync();
            });
            var options = new DicomAssociationOptions("127.0.0.1", peer.Port, "SCRIPTED").WithTimeout(TimeSpan.FromSeconds(30));
            options.BlockingIo = blockingIo;
            var writes = await Task.Run(async () =>
            {
                var counts = new List<int>();
                using var association = await DicomAssociation.OpenAsync(options,
                    DicomPresentationContext.ForFiles(new[] { (DicomTestFiles.SecondaryCapture, DicomTestFiles.ExplicitLE) }), default);
                foreach (var path in paths)
                {
                    using var source = DicomStoreSource.Open(path);
                    var before = association.Writer.Writes;
                    Assert.Equal(DicomStoreOutcome.Stored, (await association.StoreAsync(source, default)).Outcome);
                    counts.Add(association.Writer.Writes - before);
                }
                return counts;
            }).WaitAsync(Guard);

            Assert.Equal(new[] { 1, 1 }, writes);
            for (var i = 0; i < paths.Length; i++)
            {
                var file = File.ReadAllBytes(paths[i]);
                Assert.Equal(file.AsSpan(file.Length - received[i].Data.Length).ToArray(), received[i].Data);
                Assert.Equal((ushort)0x0001, BitConverter.ToUInt16(Element(received[i].Command, 0x0100)!)); // C-STORE-RQ
            }
        }

        /// <summary>An image whose data set is <paramref name="datasetBytes"/> long when given, else about <paramref name="approximate"/> (Rows/Columns do not match: only the bytes matter here).</summary>
        private static string WriteImage(TempFolder temp, string name, int approximate, int datasetBytes, int seed)
        {
            var pixels = Enumerable.Range(0, approximate & ~1).Select(i => (byte)(i * seed + (i >> 9))).ToArray();
            var path = DicomTestFiles.Write(temp, name, DicomTestFiles.Image(pixels: pixels), DicomTestFiles.ExplicitLE);
            if (datasetBytes <= 0) return path;
            long current;
            using (var source = DicomStoreSource.Open(path)) { var kept = source.KeptFile()!; current = kept.Length - kept.Position; }
            var padded = new byte[pixels.Length + (int)(datasetBytes - current)];
            Array.Copy(pixels, padded, Math.Min(pixels.Length, padded.Length));
            return DicomTestFiles.Write(temp, name, DicomTestFiles.Image(pixels: padded), DicomTestFiles.ExplicitLE);
        }
    }
}
