using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace DicomTools.Dicom.Network
{
    /// <summary>PDU types of the DICOM upper layer (PS3.8 §9.3).</summary>
    internal static class PduType
    {
        public const byte AssociateRequest = 0x01;
        public const byte AssociateAccept = 0x02;
        public const byte AssociateReject = 0x03;
        public const byte DataTransfer = 0x04;
        public const byte ReleaseRequest = 0x05;
        public const byte ReleaseResponse = 0x06;
        public const byte Abort = 0x07;

        public static string Name(byte type)
        {
            switch (type)
            {
                case AssociateRequest: return "A-ASSOCIATE-RQ";
                case AssociateAccept: return "A-ASSOCIATE-AC";
                case AssociateReject: return "A-ASSOCIATE-RJ";
                case DataTransfer: return "P-DATA-TF";
                case ReleaseRequest: return "A-RELEASE-RQ";
                case ReleaseResponse: return "A-RELEASE-RP";
                case Abort: return "A-ABORT";
                default: return "unknown PDU type 0x" + type.ToString("X2", CultureInfo.InvariantCulture);
            }
        }
    }

    /// <summary>What the peer said in its A-ASSOCIATE-AC.</summary>
    internal sealed class AssociateAccept
    {
        public readonly List<(byte Id, byte Result, string? TransferSyntax)> Contexts = new List<(byte, byte, string?)>();
        public uint MaxPduLength;
        public string? ImplementationClassUid;
        public string? ImplementationVersionName;
    }

    /// <summary>Encodes the PDUs an SCU sends and decodes the ones it receives; every length read is checked against its container.</summary>
    internal static class PduCodec
    {
        private const int HeaderLength = 6;

        public static byte[] AssociateRequest(string calledAe, string callingAe, IReadOnlyList<(byte Id, DicomPresentationContext Context)> contexts,
            uint maxPduLength, string implementationClassUid, string? implementationVersionName)
        {
            var body = new MemoryStream();
            Put16(body, 0x0001); // protocol version
            Put16(body, 0);
            body.Write(AeTitle(calledAe), 0, 16);
            body.Write(AeTitle(callingAe), 0, 16);
            body.Write(new byte[32], 0, 32);
            Item(body, 0x10, Ascii(DicomUids.ApplicationContext));
            foreach (var (id, context) in contexts)
            {
                var pc = new MemoryStream();
                pc.WriteByte(id); pc.WriteByte(0); pc.WriteByte(0); pc.WriteByte(0);
                Item(pc, 0x30, Ascii(context.AbstractSyntaxUid));
                foreach (var ts in context.TransferSyntaxUids) Item(pc, 0x40, Ascii(ts));
                Item(body, 0x20, pc.ToArray());
            }
            var user = new MemoryStream();
            var max = new byte[4];
            PutBig32(max, 0, maxPduLength);
            Item(user, 0x51, max);
            Item(user, 0x52, Ascii(implementationClassUid));
            // No asynchronous operations window item (0x53): its absence means 1 outstanding operation each way, which is what we do.
            if (!string.IsNullOrEmpty(implementationVersionName)) Item(user, 0x55, Ascii(implementationVersionName!));
            Item(body, 0x50, user.ToArray());
            return Pdu(PduType.AssociateRequest, body.ToArray());
        }

        public static byte[] ReleaseRequest() => Pdu(PduType.ReleaseRequest, new byte[4]);
        public static byte[] ReleaseResponse() => Pdu(PduType.ReleaseResponse, new byte[4]);

        /// <summary>A-ABORT; source 0 = service user (us, on cancellation), 2 = service provider (protocol error).</summary>
        public static byte[] Abort(byte source, byte reason) => Pdu(PduType.Abort, new byte[] { 0, 0, source, reason });

        public static AssociateAccept ParseAccept(byte[] body, int length)
        {
            if (length < 68) throw Malformed("A-ASSOCIATE-AC", "its fixed fields need 68 bytes, the PDU has " + length);
            var accept = new AssociateAccept();
            var pos = 68;
            while (pos < length)
            {
                if (length - pos < 4) throw Malformed("A-ASSOCIATE-AC", "an item header at byte " + pos + " runs past the end of the PDU");
                var type = body[pos];
                var itemLength = GetBig16(body, pos + 2);
                var start = pos + 4;
                if (itemLength > length - start) throw Malformed("A-ASSOCIATE-AC", "item 0x" + type.ToString("X2", CultureInfo.InvariantCulture) + " at byte " + pos + " declares " + itemLength + " bytes, only " + (length - start) + " remain in the PDU");
                switch (type)
                {
                    case 0x10:
                        var context = AsciiValue(body, start, itemLength);
                        if (context != DicomUids.ApplicationContext) throw Malformed("A-ASSOCIATE-AC", "unknown application context " + context);
                        break;
                    case 0x21:
                        if (itemLength < 4) throw Malformed("A-ASSOCIATE-AC", "a presentation context item is shorter than 4 bytes");
                        string? ts = null;
                        var sub = start + 4;
                        var end = start + itemLength;
                        while (sub < end)
                        {
                            if (end - sub < 4) throw Malformed("A-ASSOCIATE-AC", "a transfer syntax sub-item runs past its presentation context");
                            var subLength = GetBig16(body, sub + 2);
                            if (subLength > end - sub - 4) throw Malformed("A-ASSOCIATE-AC", "a transfer syntax sub-item declares " + subLength + " bytes, past the end of its presentation context");
                            if (body[sub] == 0x40) ts = AsciiValue(body, sub + 4, subLength);
                            sub += 4 + subLength;
                        }
                        accept.Contexts.Add((body[start], body[start + 2], ts));
                        break;
                    case 0x50:
                        ParseUserInformation(body, start, start + itemLength, accept);
                        break;
                    // Other items are ignored, as PS3.8 §9.3.1 asks of unknown ones.
                }
                pos = start + itemLength;
            }
            return accept;
        }

        private static void ParseUserInformation(byte[] body, int pos, int end, AssociateAccept accept)
        {
            while (pos < end)
            {
                if (end - pos < 4) throw Malformed("A-ASSOCIATE-AC", "a user information sub-item runs past its item");
                var type = body[pos];
                var length = GetBig16(body, pos + 2);
                var start = pos + 4;
                if (length > end - start) throw Malformed("A-ASSOCIATE-AC", "user information sub-item 0x" + type.ToString("X2", CultureInfo.InvariantCulture) + " declares " + length + " bytes, past the end of its item");
                switch (type)
                {
                    case 0x51:
                        if (length != 4) throw Malformed("A-ASSOCIATE-AC", "the maximum length sub-item has " + length + " bytes instead of 4");
                        accept.MaxPduLength = GetBig32(body, start);
                        break;
                    case 0x52: accept.ImplementationClassUid = AsciiValue(body, start, length); break;
                    case 0x55: accept.ImplementationVersionName = AsciiValue(body, start, length); break;
                }
                pos = start + length;
            }
        }

        internal static DicomProtocolException Malformed(string pdu, string detail) =>
            new DicomProtocolException("The peer sent a malformed " + pdu + " (" + detail + "); the association was aborted.");

        private static byte[] Pdu(byte type, byte[] body)
        {
            var pdu = new byte[HeaderLength + body.Length];
            pdu[0] = type;
            PutBig32(pdu, 2, (uint)body.Length);
            Buffer.BlockCopy(body, 0, pdu, HeaderLength, body.Length);
            return pdu;
        }

        private static void Item(Stream s, byte type, byte[] value)
        {
            if (value.Length > ushort.MaxValue) throw new ArgumentException("An A-ASSOCIATE item cannot exceed 65535 bytes.");
            s.WriteByte(type); s.WriteByte(0);
            Put16(s, (ushort)value.Length);
            s.Write(value, 0, value.Length);
        }

        /// <summary>AE titles are 16 bytes, padded with spaces (PS3.8 §9.3.2).</summary>
        private static byte[] AeTitle(string ae)
        {
            var b = new byte[16];
            for (var i = 0; i < 16; i++) b[i] = (byte)' ';
            var a = Encoding.ASCII.GetBytes(ae);
            Buffer.BlockCopy(a, 0, b, 0, Math.Min(16, a.Length));
            return b;
        }

        /// <summary>Checks an AE title: 1-16 characters of the default repertoire, no backslash or control characters, not only spaces.</summary>
        public static string? AeTitleProblem(string? ae)
        {
            if (string.IsNullOrWhiteSpace(ae)) return "an AE title needs at least one character other than a space";
            if (ae!.Length > 16) return "an AE title has at most 16 characters ('" + ae + "' has " + ae.Length + ")";
            foreach (var c in ae)
                if (c < 0x20 || c > 0x7E || c == '\\') return "an AE title may hold only printable ASCII characters other than '\\'";
            return null;
        }

        private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);
        private static string AsciiValue(byte[] b, int offset, int count) => Encoding.ASCII.GetString(b, offset, count).TrimEnd('\0', ' ');

        private static void Put16(Stream s, ushort v) { s.WriteByte((byte)(v >> 8)); s.WriteByte((byte)v); }
        internal static void PutBig32(byte[] b, int o, uint v) { b[o] = (byte)(v >> 24); b[o + 1] = (byte)(v >> 16); b[o + 2] = (byte)(v >> 8); b[o + 3] = (byte)v; }
        internal static int GetBig16(byte[] b, int o) => (b[o] << 8) | b[o + 1];
        internal static uint GetBig32(byte[] b, int o) => ((uint)b[o] << 24) | ((uint)b[o + 1] << 16) | ((uint)b[o + 2] << 8) | b[o + 3];
    }
}
