using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace DicomTools.Tests.Unit.Network
{
    /// <summary>
    /// A tiny DICOM acceptor driven by a test script: accepts one connection on a port it bound (0 = any free one, kept),
    /// and gives the script PDU-level read/write helpers, so a test can misbehave exactly as it wants.
    /// </summary>
    public sealed class ScriptedPeer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Task _run;
        private readonly CancellationTokenSource _stop = new();

        public ScriptedPeer(Func<PeerConnection, Task> script)
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _run = Task.Run(async () =>
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                client.NoDelay = true;
                await script(new PeerConnection(client.GetStream(), _stop.Token));
            });
        }

        public int Port { get; }

        /// <summary>The script's own failure, if any (a guard of 20 s against a hang in the script itself).</summary>
        public Task Completion => _run.WaitAsync(TimeSpan.FromSeconds(20));

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            try { await _run.WaitAsync(TimeSpan.FromSeconds(20)); } catch (Exception) { /* the test already asserted what it needed */ }
            _listener.Stop();
            _stop.Dispose();
        }
    }

    public sealed record Pdu(byte Type, byte[] Body);

    public sealed class PeerConnection
    {
        private readonly Stream _stream;
        private readonly CancellationToken _token;
        public PeerConnection(Stream stream, CancellationToken token) { _stream = stream; _token = token; }

        /// <summary>Next PDU, or null when the client closed the connection.</summary>
        public async Task<Pdu?> ReadAsync()
        {
            var header = new byte[6];
            if (!await ReadExactAsync(header)) return null;
            var length = (header[2] << 24) | (header[3] << 16) | (header[4] << 8) | header[5];
            var body = new byte[length];
            if (!await ReadExactAsync(body)) return null;
            return new Pdu(header[0], body);
        }

        private async Task<bool> ReadExactAsync(byte[] buffer)
        {
            var read = 0;
            try
            {
                while (read < buffer.Length)
                {
                    var n = await _stream.ReadAsync(buffer.AsMemory(read), _token);
                    if (n == 0) return false;
                    read += n;
                }
            }
            catch (IOException) { return false; }
            return true;
        }

        public Task WriteAsync(byte[] bytes) => _stream.WriteAsync(bytes, 0, bytes.Length, _token);

        public Task SendAsync(byte type, byte[] body, int? declaredLength = null) => WriteAsync(Frame(type, body, declaredLength));

        /// <summary>Reads until the client closes, returning every PDU it sent.</summary>
        public async Task<List<Pdu>> DrainAsync()
        {
            var all = new List<Pdu>();
            while (await ReadAsync() is { } pdu) all.Add(pdu);
            return all;
        }

        public static byte[] Frame(byte type, byte[] body, int? declaredLength = null)
        {
            var pdu = new byte[6 + body.Length];
            pdu[0] = type;
            var length = declaredLength ?? body.Length;
            pdu[2] = (byte)(length >> 24); pdu[3] = (byte)(length >> 16); pdu[4] = (byte)(length >> 8); pdu[5] = (byte)length;
            body.CopyTo(pdu, 6);
            return pdu;
        }

        /// <summary>A-ASSOCIATE-AC accepting every proposed context in its first transfer syntax.</summary>
        public static byte[] AcceptBody(Pdu request, uint maxPduLength = 16384, string implementationUid = "1.2.3.4.5.6")
        {
            var rq = request.Body;
            var body = new MemoryStream();
            body.Write(rq, 0, 68); // protocol version, reserved, AE titles, reserved: echoed
            Item(body, 0x10, Encoding.ASCII.GetBytes("1.2.840.10008.3.1.1.1"));
            var pos = 68;
            while (pos < rq.Length)
            {
                var type = rq[pos];
                var len = (rq[pos + 2] << 8) | rq[pos + 3];
                if (type == 0x20)
                {
                    var id = rq[pos + 4];
                    var sub = pos + 8;
                    string? firstTs = null;
                    while (sub < pos + 4 + len)
                    {
                        var subLen = (rq[sub + 2] << 8) | rq[sub + 3];
                        if (rq[sub] == 0x40 && firstTs == null) firstTs = Encoding.ASCII.GetString(rq, sub + 4, subLen);
                        sub += 4 + subLen;
                    }
                    var pc = new MemoryStream();
                    pc.Write(new byte[] { id, 0, 0, 0 });
                    Item(pc, 0x40, Encoding.ASCII.GetBytes(firstTs!));
                    Item(body, 0x21, pc.ToArray());
                }
                pos += 4 + len;
            }
            var user = new MemoryStream();
            Item(user, 0x51, new[] { (byte)(maxPduLength >> 24), (byte)(maxPduLength >> 16), (byte)(maxPduLength >> 8), (byte)maxPduLength });
            Item(user, 0x52, Encoding.ASCII.GetBytes(implementationUid));
            Item(body, 0x50, user.ToArray());
            return body.ToArray();
        }

        private static void Item(Stream s, byte type, byte[] value)
        {
            s.WriteByte(type); s.WriteByte(0); s.WriteByte((byte)(value.Length >> 8)); s.WriteByte((byte)value.Length);
            s.Write(value);
        }

        /// <summary>Splits P-DATA-TF PDUs into PDVs: (context id, control header, data).</summary>
        public static IEnumerable<(byte Context, byte Control, byte[] Data)> Pdvs(Pdu pdu)
        {
            var pos = 0;
            while (pos < pdu.Body.Length)
            {
                var len = (pdu.Body[pos] << 24) | (pdu.Body[pos + 1] << 16) | (pdu.Body[pos + 2] << 8) | pdu.Body[pos + 3];
                yield return (pdu.Body[pos + 4], pdu.Body[pos + 5], pdu.Body.AsSpan(pos + 6, len - 2).ToArray());
                pos += 4 + len;
            }
        }

        /// <summary>Reads one whole DIMSE message (command, and data set when flagged): returns command bytes, data bytes, and the largest PDU length seen.</summary>
        public async Task<(byte[] Command, byte[] Data, int LargestPdu, byte Context)?> ReadMessageAsync(bool expectData)
        {
            var command = new MemoryStream();
            var data = new MemoryStream();
            var largest = 0;
            byte context = 0;
            bool commandDone = false, dataDone = !expectData;
            while (!commandDone || !dataDone)
            {
                var pdu = await ReadAsync();
                if (pdu == null || pdu.Type != 0x04) return null;
                largest = Math.Max(largest, pdu.Body.Length);
                foreach (var (ctx, control, bytes) in Pdvs(pdu))
                {
                    context = ctx;
                    if ((control & 1) != 0) { command.Write(bytes); if ((control & 2) != 0) commandDone = true; }
                    else { data.Write(bytes); if ((control & 2) != 0) dataDone = true; }
                }
            }
            return (command.ToArray(), data.ToArray(), largest, context);
        }

        /// <summary>An Implicit VR LE command: (0000,xxxx) elements given as (element, value bytes), group length added.</summary>
        public static byte[] Command(params (ushort Element, byte[] Value)[] elements)
        {
            var body = new MemoryStream();
            foreach (var (element, value) in elements)
            {
                body.Write(new byte[] { 0, 0, (byte)element, (byte)(element >> 8) });
                body.Write(BitConverter.GetBytes((uint)value.Length));
                body.Write(value);
            }
            var all = new MemoryStream();
            all.Write(new byte[] { 0, 0, 0, 0, 4, 0, 0, 0 });
            all.Write(BitConverter.GetBytes((uint)body.Length));
            body.Position = 0;
            body.CopyTo(all);
            return all.ToArray();
        }

        public static byte[] US(ushort v) => new[] { (byte)v, (byte)(v >> 8) };

        public static byte[] UI(string uid)
        {
            var b = Encoding.ASCII.GetBytes(uid);
            return b.Length % 2 == 1 ? [.. b, 0] : b;
        }

        /// <summary>The value of (0000,element) in an Implicit VR LE command.</summary>
        public static byte[]? Element(byte[] command, ushort element)
        {
            var pos = 0;
            while (pos + 8 <= command.Length)
            {
                var el = (ushort)(command[pos + 2] | (command[pos + 3] << 8));
                var len = BitConverter.ToInt32(command, pos + 4);
                if (el == element) return command.AsSpan(pos + 8, len).ToArray();
                pos += 8 + len;
            }
            return null;
        }

        /// <summary>P-DATA-TF with one PDV.</summary>
        public static byte[] PData(byte context, bool command, bool last, byte[] data)
        {
            var body = new byte[6 + data.Length];
            var len = data.Length + 2;
            body[0] = (byte)(len >> 24); body[1] = (byte)(len >> 16); body[2] = (byte)(len >> 8); body[3] = (byte)len;
            body[4] = context;
            body[5] = (byte)((command ? 1 : 0) | (last ? 2 : 0));
            data.CopyTo(body, 6);
            return Frame(0x04, body);
        }
    }
}
