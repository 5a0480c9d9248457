using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace DicomTools.Dicom.Network
{
    /// <summary>
    /// A DIMSE command set (PS3.7 §9.3/§E): group 0000 elements in Implicit VR Little Endian, led by the command group
    /// length (0000,0000). Values are kept as raw bytes by tag; only the elements the SCU needs have accessors.
    /// </summary>
    internal sealed class DimseCommand
    {
        public const ushort CStoreRequest = 0x0001;
        public const ushort CStoreResponse = 0x8001;
        public const ushort CEchoRequest = 0x0030;
        public const ushort CEchoResponse = 0x8030;
        /// <summary>(0000,0800) value meaning "no data set follows".</summary>
        public const ushort NoDataSet = 0x0101;
        /// <summary>Command sets are a handful of short elements; anything larger is a hostile or broken peer.</summary>
        public const int MaxLength = 64 * 1024;

        public static readonly DicomTag GroupLength = new DicomTag(0x0000, 0x0000);
        public static readonly DicomTag AffectedSopClassUid = new DicomTag(0x0000, 0x0002);
        public static readonly DicomTag CommandField = new DicomTag(0x0000, 0x0100);
        public static readonly DicomTag MessageId = new DicomTag(0x0000, 0x0110);
        public static readonly DicomTag MessageIdBeingRespondedTo = new DicomTag(0x0000, 0x0120);
        public static readonly DicomTag Priority = new DicomTag(0x0000, 0x0700);
        public static readonly DicomTag CommandDataSetType = new DicomTag(0x0000, 0x0800);
        public static readonly DicomTag Status = new DicomTag(0x0000, 0x0900);
        public static readonly DicomTag ErrorComment = new DicomTag(0x0000, 0x0902);
        public static readonly DicomTag AffectedSopInstanceUid = new DicomTag(0x0000, 0x1000);

        private readonly SortedDictionary<uint, (string VR, byte[] Value)> _elements = new SortedDictionary<uint, (string, byte[])>();

        public static DimseCommand EchoRequest(ushort messageId) => new DimseCommand()
            .SetUid(AffectedSopClassUid, DicomUids.Verification)
            .SetUInt16(CommandField, CEchoRequest)
            .SetUInt16(MessageId, messageId)
            .SetUInt16(CommandDataSetType, NoDataSet);

        public static DimseCommand StoreRequest(ushort messageId, string sopClassUid, string sopInstanceUid) => new DimseCommand()
            .SetUid(AffectedSopClassUid, sopClassUid)
            .SetUInt16(CommandField, CStoreRequest)
            .SetUInt16(MessageId, messageId)
            .SetUInt16(Priority, 0) // medium
            .SetUInt16(CommandDataSetType, 0x0000)
            .SetUid(AffectedSopInstanceUid, sopInstanceUid);

        public DimseCommand SetUInt16(DicomTag tag, ushort value) { _elements[tag.Value] = ("US", new[] { (byte)value, (byte)(value >> 8) }); return this; }

        public DimseCommand SetUid(DicomTag tag, string uid)
        {
            var b = Encoding.ASCII.GetBytes(uid);
            if (b.Length % 2 == 1) Array.Resize(ref b, b.Length + 1); // UI pads with NUL
            _elements[tag.Value] = ("UI", b);
            return this;
        }

        public DimseCommand SetString(DicomTag tag, string vr, string text)
        {
            var b = Encoding.ASCII.GetBytes(text);
            if (b.Length % 2 == 1) { Array.Resize(ref b, b.Length + 1); b[b.Length - 1] = (byte)' '; }
            _elements[tag.Value] = (vr, b);
            return this;
        }

        public ushort? GetUInt16(DicomTag tag) =>
            _elements.TryGetValue(tag.Value, out var e) && e.Value.Length >= 2 ? (ushort)(e.Value[0] | (e.Value[1] << 8)) : (ushort?)null;

        public string? GetString(DicomTag tag) =>
            _elements.TryGetValue(tag.Value, out var e) ? Encoding.ASCII.GetString(e.Value).TrimEnd('\0', ' ') : null;

        public bool HasDataSet => GetUInt16(CommandDataSetType) is ushort t && t != NoDataSet;

        /// <summary>The command set in Implicit VR Little Endian, group length first, through the codec's element encoder.</summary>
        public byte[] Encode()
        {
            // Sent once per file: sized first, then written in place (no stream, no array per element).
            var ts = DicomTransferSyntax.ImplicitVRLittleEndian;
            var elementsLength = 0;
            foreach (var kv in _elements)
                if (kv.Key != GroupLength.Value) elementsLength += DicomEncoder.HeaderLength(kv.Value.VR, ts, ToTag(kv.Key)) + kv.Value.Value.Length;
            var result = new byte[DicomEncoder.HeaderLength("UL", ts, GroupLength) + 4 + elementsLength];
            var pos = DicomEncoder.WriteHeader(result, 0, GroupLength, "UL", 4, ts);
            DicomEncoder.Put32(result, pos, (uint)elementsLength, false);
            pos += 4;
            foreach (var kv in _elements)
            {
                if (kv.Key == GroupLength.Value) continue;
                var value = kv.Value.Value;
                pos += DicomEncoder.WriteHeader(result, pos, ToTag(kv.Key), kv.Value.VR, (uint)value.Length, ts);
                Buffer.BlockCopy(value, 0, result, pos, value.Length);
                pos += value.Length;
            }
            return result;
        }

        private static DicomTag ToTag(uint key) => new DicomTag((ushort)(key >> 16), (ushort)key);

        /// <summary>Parses a reassembled command set; every length is checked against what is left.</summary>
        public static DimseCommand Decode(byte[] buffer, int count)
        {
            var command = new DimseCommand();
            var pos = 0;
            while (pos < count)
            {
                if (count - pos < 8) throw new DicomProtocolException("The peer sent a truncated DIMSE command (an element header at byte " + pos + " of " + count + "); the association was aborted.");
                var group = (ushort)(buffer[pos] | (buffer[pos + 1] << 8));
                var element = (ushort)(buffer[pos + 2] | (buffer[pos + 3] << 8));
                var length = (uint)(buffer[pos + 4] | (buffer[pos + 5] << 8) | (buffer[pos + 6] << 16) | (buffer[pos + 7] << 24));
                if (group != 0x0000) throw new DicomProtocolException("The peer sent a DIMSE command with element (" + group.ToString("X4", CultureInfo.InvariantCulture) + "," + element.ToString("X4", CultureInfo.InvariantCulture) + ") outside group 0000; the association was aborted.");
                if (length > count - pos - 8) throw new DicomProtocolException("The peer sent a DIMSE command whose element (0000," + element.ToString("X4", CultureInfo.InvariantCulture) + ") declares " + length + " bytes, past the end of the command; the association was aborted.");
                var value = new byte[length];
                Buffer.BlockCopy(buffer, pos + 8, value, 0, (int)length);
                command._elements[((uint)group << 16) | element] = (DicomDictionary.VrOf(new DicomTag(group, element)) ?? "UN", value);
                pos += 8 + (int)length;
            }
            return command;
        }
    }
}
