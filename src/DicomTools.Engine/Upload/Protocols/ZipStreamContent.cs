using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace DicomTools.Engine.Upload.Protocols
{
    /// <summary>
    /// A ZIP archive (APPNOTE 6.3, stored entries, no compression: DICOM pixel data rarely shrinks and the
    /// server would only have to inflate it) written straight into the request body. Sizes and offsets are
    /// known before the first byte, so the request carries a Content-Length; each entry's CRC-32 is computed
    /// while it streams and written in a data descriptor after it (general-purpose flag bit 3) and in the
    /// central directory, which is what readers (minizip in Orthanc, System.IO.Compression) trust.
    /// Zip64 is not written: an archive over 4 GiB or 65,535 entries is refused up front.
    /// </summary>
    internal sealed class ZipStreamContent : HttpContent
    {
        private const uint LocalHeaderSignature = 0x04034b50;
        private const uint DataDescriptorSignature = 0x08074b50;
        private const uint CentralHeaderSignature = 0x02014b50;
        private const uint EndOfCentralDirectorySignature = 0x06054b50;
        private const ushort VersionNeeded = 20;
        // bit 3: CRC in the data descriptor; bit 11: entry names are UTF-8.
        private const ushort Flags = 0x0008 | 0x0800;
        private const int LocalHeaderFixedSize = 30;
        private const int DataDescriptorSize = 16;
        private const int CentralHeaderFixedSize = 46;
        private const int EndOfCentralDirectorySize = 22;

        private readonly IReadOnlyList<ZipEntrySource> _entries;
        private readonly Action<long>? _onBytes;
        private readonly CancellationToken _cancellationToken;
        private readonly ushort _dosTime;
        private readonly ushort _dosDate;

        public ZipStreamContent(IReadOnlyList<ZipEntrySource> entries, Action<long>? onBytes, CancellationToken cancellationToken)
        {
            if (entries.Count == 0) throw new ArgumentException("An archive needs at least one file.", nameof(entries));
            if (entries.Count > ushort.MaxValue)
                throw new NotSupportedException($"An archive holds at most {ushort.MaxValue} files without Zip64; send {entries.Count} files with the Raw or StowRs protocol.");
            _entries = entries;
            _onBytes = onBytes;
            _cancellationToken = cancellationToken;
            var total = ComputeLength();
            if (total > uint.MaxValue)
                throw new NotSupportedException($"The archive would be {total} bytes, over the 4 GiB a ZIP without Zip64 can hold; send these files with the Raw or StowRs protocol.");
            (_dosTime, _dosDate) = ToDosDateTime(DateTime.Now);
            Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        }

        /// <summary>Unique entry names for files: the file name, prefixed with a counter when two files share one.</summary>
        public static IReadOnlyList<ZipEntrySource> NameEntries(IReadOnlyList<UploadFile> files)
        {
            var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var entries = new List<ZipEntrySource>(files.Count);
            for (var i = 0; i < files.Count; i++)
            {
                var name = Path.GetFileName(files[i].Path);
                if (!used.Add(name))
                {
                    name = $"{i:D5}_{name}";
                    used.Add(name);
                }
                entries.Add(new ZipEntrySource(name, files[i]));
            }
            return entries;
        }

        private long ComputeLength()
        {
            long length = EndOfCentralDirectorySize;
            foreach (var entry in _entries)
            {
                var nameLength = entry.NameBytes.Length;
                length += LocalHeaderFixedSize + nameLength + entry.File.Length + DataDescriptorSize
                    + CentralHeaderFixedSize + nameLength;
            }
            return length;
        }

        protected override bool TryComputeLength(out long length)
        {
            length = ComputeLength();
            return true;
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var crcs = new uint[_entries.Count];
            var offsets = new uint[_entries.Count];
            long position = 0;
            for (var i = 0; i < _entries.Count; i++)
            {
                var entry = _entries[i];
                offsets[i] = (uint)position;
                var header = LocalHeader(entry);
                await stream.WriteAsync(header, 0, header.Length, _cancellationToken).ConfigureAwait(false);
                var crc = new Crc32();
                await FileStreaming.CopyFileAsync(entry.File.Path, entry.File.Length, stream, _onBytes, crc.Append, _cancellationToken).ConfigureAwait(false);
                crcs[i] = crc.Value;
                var descriptor = DataDescriptor(crcs[i], entry.File.Length);
                await stream.WriteAsync(descriptor, 0, descriptor.Length, _cancellationToken).ConfigureAwait(false);
                position += header.Length + entry.File.Length + descriptor.Length;
            }

            var centralStart = position;
            for (var i = 0; i < _entries.Count; i++)
            {
                var central = CentralHeader(_entries[i], crcs[i], offsets[i]);
                await stream.WriteAsync(central, 0, central.Length, _cancellationToken).ConfigureAwait(false);
                position += central.Length;
            }
            var end = EndOfCentralDirectory(_entries.Count, position - centralStart, centralStart);
            await stream.WriteAsync(end, 0, end.Length, _cancellationToken).ConfigureAwait(false);
        }

        private byte[] LocalHeader(ZipEntrySource entry)
        {
            var w = new LittleEndianWriter(LocalHeaderFixedSize + entry.NameBytes.Length);
            w.U32(LocalHeaderSignature); w.U16(VersionNeeded); w.U16(Flags); w.U16(0 /* stored */);
            w.U16(_dosTime); w.U16(_dosDate);
            // CRC follows in the data descriptor; the sizes are known now, and writing them helps streaming readers.
            w.U32(0); w.U32((uint)entry.File.Length); w.U32((uint)entry.File.Length);
            w.U16((ushort)entry.NameBytes.Length); w.U16(0);
            w.Bytes(entry.NameBytes);
            return w.Buffer;
        }

        private static byte[] DataDescriptor(uint crc, long length)
        {
            var w = new LittleEndianWriter(DataDescriptorSize);
            w.U32(DataDescriptorSignature); w.U32(crc); w.U32((uint)length); w.U32((uint)length);
            return w.Buffer;
        }

        private byte[] CentralHeader(ZipEntrySource entry, uint crc, uint offset)
        {
            var w = new LittleEndianWriter(CentralHeaderFixedSize + entry.NameBytes.Length);
            w.U32(CentralHeaderSignature); w.U16(VersionNeeded); w.U16(VersionNeeded); w.U16(Flags); w.U16(0);
            w.U16(_dosTime); w.U16(_dosDate);
            w.U32(crc); w.U32((uint)entry.File.Length); w.U32((uint)entry.File.Length);
            w.U16((ushort)entry.NameBytes.Length); w.U16(0); w.U16(0); w.U16(0); w.U16(0); w.U32(0);
            w.U32(offset);
            w.Bytes(entry.NameBytes);
            return w.Buffer;
        }

        private static byte[] EndOfCentralDirectory(int count, long size, long offset)
        {
            var w = new LittleEndianWriter(EndOfCentralDirectorySize);
            w.U32(EndOfCentralDirectorySignature); w.U16(0); w.U16(0);
            w.U16((ushort)count); w.U16((ushort)count); w.U32((uint)size); w.U32((uint)offset); w.U16(0);
            return w.Buffer;
        }

        private static (ushort Time, ushort Date) ToDosDateTime(DateTime t)
        {
            if (t.Year < 1980) t = new DateTime(1980, 1, 1);
            var time = (ushort)((t.Hour << 11) | (t.Minute << 5) | (t.Second / 2));
            var date = (ushort)(((t.Year - 1980) << 9) | (t.Month << 5) | t.Day);
            return (time, date);
        }

        private sealed class LittleEndianWriter
        {
            private int _position;
            public LittleEndianWriter(int size) { Buffer = new byte[size]; }
            public byte[] Buffer { get; }
            public void U16(ushort v) { Buffer[_position++] = (byte)v; Buffer[_position++] = (byte)(v >> 8); }
            public void U32(uint v) { U16((ushort)v); U16((ushort)(v >> 16)); }
            public void Bytes(byte[] b) { System.Buffer.BlockCopy(b, 0, Buffer, _position, b.Length); _position += b.Length; }
        }
    }

    /// <summary>A file and the name it has inside the archive (how the server's answer refers to it).</summary>
    internal sealed class ZipEntrySource
    {
        public ZipEntrySource(string name, UploadFile file) { Name = name; File = file; NameBytes = Encoding.UTF8.GetBytes(name); }
        public string Name { get; }
        public UploadFile File { get; }
        public byte[] NameBytes { get; }
    }

    /// <summary>CRC-32 (ISO-HDLC, reflected polynomial 0xEDB88320) as ZIP uses it.</summary>
    internal sealed class Crc32
    {
        private static readonly uint[] Table = BuildTable();
        private uint _crc = 0xFFFFFFFF;

        public uint Value => ~_crc;

        public void Append(byte[] buffer, int offset, int count)
        {
            var crc = _crc;
            for (var i = offset; i < offset + count; i++) crc = Table[(crc ^ buffer[i]) & 0xFF] ^ (crc >> 8);
            _crc = crc;
        }

        private static uint[] BuildTable()
        {
            var table = new uint[256];
            for (uint n = 0; n < 256; n++)
            {
                var c = n;
                for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
                table[n] = c;
            }
            return table;
        }
    }
}
