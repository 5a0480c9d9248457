using System;
using System.Globalization;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace DicomTools.Dicom.Network
{
    /// <summary>
    /// One DICOM association as SCU (PS3.8 upper layer + PS3.7 DIMSE): open, C-ECHO, C-STORE any number of files, release.
    /// One operation at a time (asynchronous operations window 1/1); not thread-safe, use one per worker. Any failure other
    /// than "no accepted context for this file" ends the association (A-ABORT sent when possible): open a new one to go on.
    /// </summary>
    public sealed class DicomAssociation : IDisposable
    {
        /// <summary>Odd ids 1-255 (PS3.8 §9.3.2.2).</summary>
        public const int MaxPresentationContexts = 128;

        private readonly DicomAssociationOptions _options;
        private readonly PduChannel _channel;
        private readonly uint _sendPduLength;
        private readonly byte[] _command = new byte[DimseCommand.MaxLength];
        private readonly PDataWriter _writer;
        private ushort _messageId;
        private bool _ended;

        private DicomAssociation(DicomAssociationOptions options, PduChannel channel, IReadOnlyList<DicomNegotiatedContext> contexts, DicomPeerInfo peer)
        {
            _options = options; _channel = channel; PresentationContexts = contexts; Peer = peer;
            var peerMax = peer.MaxPduLength == 0 ? options.MaxSendPduLength : Math.Min(peer.MaxPduLength, options.MaxSendPduLength);
            _sendPduLength = peerMax;
            _writer = new PDataWriter(channel, _sendPduLength, options.WriteTimeout);
        }

        /// <summary>The options the association was opened with.</summary>
        public DicomAssociationOptions Options => _options;
        /// <summary>Every proposed context with the peer's answer.</summary>
        public IReadOnlyList<DicomNegotiatedContext> PresentationContexts { get; }
        /// <summary>What the peer said about itself in A-ASSOCIATE-AC.</summary>
        public DicomPeerInfo Peer { get; }
        /// <summary>False once released, aborted or broken.</summary>
        public bool IsOpen => !_ended && !_channel.IsClosed;

        /// <summary>For tests: the channel under the association.</summary>
        internal PduChannel Channel => _channel;

        /// <summary>For tests: the writer that frames what we send (it counts its reads).</summary>
        internal PDataWriter Writer => _writer;

        /// <summary>Connects, proposes <paramref name="contexts"/> and waits for the peer's answer.</summary>
        /// <exception cref="DicomAssociationRejectedException">A-ASSOCIATE-RJ, with the reason in words.</exception>
        /// <exception cref="DicomNetworkTimeoutException">No connection or no answer within the configured time.</exception>
        /// <exception cref="DicomNetworkException">Connection refused/reset, abort, malformed answer.</exception>
        /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired (an A-ABORT was sent when connected).</exception>
        public static async Task<DicomAssociation> OpenAsync(DicomAssociationOptions options, IReadOnlyList<DicomPresentationContext> contexts, CancellationToken cancellationToken)
        {
            if (options == null) throw new ArgumentNullException(nameof(options));
            if (contexts == null || contexts.Count == 0) throw new ArgumentException("Propose at least one presentation context.", nameof(contexts));
            if (contexts.Count > MaxPresentationContexts) throw new ArgumentException("At most " + MaxPresentationContexts + " presentation contexts fit in one association; " + contexts.Count + " were given.", nameof(contexts));
            var problem = PduCodec.AeTitleProblem(options.CalledAETitle);
            if (problem != null) throw new ArgumentException("Called AE title: " + problem + ".", nameof(options));
            problem = PduCodec.AeTitleProblem(options.CallingAETitle);
            if (problem != null) throw new ArgumentException("Calling AE title: " + problem + ".", nameof(options));
            if (options.MaxSendPduLength < 1024 || options.MaxReceivePduLength < 1024) throw new ArgumentException("PDU lengths below 1024 bytes are not supported.", nameof(options));

            var numbered = contexts.Select((c, i) => ((byte)(2 * i + 1), c)).ToList();
            var channel = await PduChannel.ConnectAsync(options.Host, options.Port, options.TimeProvider, options.ConnectTimeout, (int)options.MaxReceivePduLength, cancellationToken, options.BlockingIo).ConfigureAwait(false);
            try
            {
                var request = PduCodec.AssociateRequest(options.CalledAETitle, options.CallingAETitle, numbered, options.MaxReceivePduLength, options.ImplementationClassUid, options.ImplementationVersionName);
                await channel.WriteAsync(request, 0, request.Length, "sending A-ASSOCIATE-RQ", options.WriteTimeout, cancellationToken).ConfigureAwait(false);
                var answer = await channel.ReadAsync("waiting for the answer to A-ASSOCIATE-RQ (ARTIM)", options.ArtimTimeout, cancellationToken).ConfigureAwait(false);
                switch (answer.Type)
                {
                    case PduType.AssociateAccept:
                        var accept = PduCodec.ParseAccept(answer.Body, answer.Length);
                        if (accept.MaxPduLength != 0 && accept.MaxPduLength < 7)
                            throw new DicomProtocolException("The peer announced a maximum PDU length of " + accept.MaxPduLength + " bytes, too small to carry any data (a P-DATA-TF needs 6 bytes of headers plus data); the association was aborted.");
                        var negotiated = Negotiated(numbered, accept);
                        return new DicomAssociation(options, channel, negotiated, new DicomPeerInfo(accept.ImplementationClassUid, accept.ImplementationVersionName, accept.MaxPduLength));
                    case PduType.AssociateReject:
                        if (answer.Length < 4) throw PduCodec.Malformed("A-ASSOCIATE-RJ", "its body has " + answer.Length + " bytes instead of 4");
                        channel.Close();
                        throw new DicomAssociationRejectedException(answer.Body[1], answer.Body[2], answer.Body[3]);
                    case PduType.Abort:
                        channel.Close();
                        throw PeerAbort(answer);
                    default:
                        throw new DicomProtocolException("The peer answered A-ASSOCIATE-RQ with " + PduType.Name(answer.Type) + "; the association was aborted.");
                }
            }
            catch (DicomProtocolException)
            {
                channel.Abort(2, 2);
                channel.Dispose();
                throw;
            }
            catch
            {
                channel.Dispose();
                throw;
            }
        }

        private static List<DicomNegotiatedContext> Negotiated(List<(byte Id, DicomPresentationContext Context)> proposed, AssociateAccept accept)
        {
            var result = new List<DicomNegotiatedContext>();
            foreach (var (id, context) in proposed)
            {
                var answer = accept.Contexts.FirstOrDefault(c => c.Id == id);
                if (answer.Id != id) { result.Add(new DicomNegotiatedContext(id, context, DicomPresentationContextResult.NotAnswered, null)); continue; }
                var status = (DicomPresentationContextResult)answer.Result;
                var ts = status == DicomPresentationContextResult.Accepted ? answer.TransferSyntax : null;
                if (status == DicomPresentationContextResult.Accepted && (ts == null || !context.TransferSyntaxUids.Contains(ts)))
                    throw new DicomProtocolException("The peer accepted presentation context " + id + " in " + (ts == null ? "no transfer syntax" : DicomUidNames.Describe(ts)) + ", which we did not propose for it; the association was aborted.");
                result.Add(new DicomNegotiatedContext(id, context, status, ts));
            }
            return result;
        }

        /// <summary>C-ECHO (Verification); needs an accepted Verification context.</summary>
        public async Task<DicomEchoResult> EchoAsync(CancellationToken cancellationToken)
        {
            var context = PresentationContexts.FirstOrDefault(c => c.IsAccepted && c.AbstractSyntaxUid == DicomUids.Verification)
                ?? throw new DicomNoAcceptedContextException(DicomUids.Verification, DicomUids.UncompressedLittleEndian.ToArray());
            var time = _options.TimeProvider;
            var started = time.GetTimestamp();
            var id = NextMessageId();
            await Guard(async () =>
            {
                var writer = _writer;
                writer.Begin(context.Id, true, "sending C-ECHO-RQ", cancellationToken);
                await writer.WriteAllAsync(DimseCommand.EchoRequest(id).Encode()).ConfigureAwait(false);
                await writer.CompleteAsync().ConfigureAwait(false);
                return 0;
            }).ConfigureAwait(false);
            var response = await ReadResponseAsync(DimseCommand.CEchoResponse, id, "waiting for C-ECHO-RSP", cancellationToken).ConfigureAwait(false);
            return new DicomEchoResult(response.GetUInt16(DimseCommand.Status) ?? 0xFFFF, time.GetElapsedTime(started));
        }

        /// <summary>C-STORE of one file.</summary>
        public async Task<DicomStoreResult> StoreAsync(string path, CancellationToken cancellationToken)
        {
            using (var source = DicomStoreSource.Open(path)) return await StoreAsync(source, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// C-STORE of one instance, streamed: as-is when its transfer syntax was accepted for its SOP class, else transcoded
        /// to an accepted uncompressed little endian syntax when it is uncompressed (or deflated). A non-success status is a
        /// result, not an exception.
        /// </summary>
        /// <exception cref="DicomNoAcceptedContextException">Nothing accepted can carry it; nothing was sent, the association stays open.</exception>
        public async Task<DicomStoreResult> StoreAsync(DicomStoreSource source, CancellationToken cancellationToken)
        {
            if (source == null) throw new ArgumentNullException(nameof(source));
            var (context, transcodeTo) = ChooseContext(source);
            var time = _options.TimeProvider;
            var started = time.GetTimestamp();
            var id = NextMessageId();
            long bytes = 0;
            await Guard(async () =>
            {
                var writer = _writer;
                writer.Begin(context.Id, true, "sending C-STORE-RQ", cancellationToken);
                await writer.WriteAllAsync(DimseCommand.StoreRequest(id, source.SopClassUid, source.SopInstanceUid).Encode()).ConfigureAwait(false);
                // The command leaves with the data set's first PDUs, in one write.
                await writer.CompleteAsync(holdForNext: true).ConfigureAwait(false);
                writer.Begin(context.Id, false, "sending the data set of " + source, cancellationToken);
                if (transcodeTo == null)
                {
                    // The handle the header was read from, when the source kept it: no second open per file.
                    if (source.KeptFile() is FileStream kept) await writer.CopyFromAsync(kept).ConfigureAwait(false);
                    else using (var raw = source.OpenRaw()) await writer.CopyFromAsync(raw).ConfigureAwait(false);
                    await writer.CompleteAsync().ConfigureAwait(false);
                }
                else
                {
                    // The codec's reader is synchronous; the channel's synchronous writes keep the same timeouts and cancellation.
                    using (var input = source.OpenForTranscoding(out var syntax))
                        LittleEndianTranscoder.Transcode(input, syntax, transcodeTo == DicomUids.ExplicitVRLittleEndian, writer);
                    writer.Complete();
                }
                bytes = writer.MessageBytes;
                return 0;
            }).ConfigureAwait(false);
            var response = await ReadResponseAsync(DimseCommand.CStoreResponse, id, "waiting for C-STORE-RSP for " + source, cancellationToken).ConfigureAwait(false);
            return new DicomStoreResult(source.SopClassUid, source.SopInstanceUid, response.GetUInt16(DimseCommand.Status) ?? 0xFFFF,
                NullIfEmpty(response.GetString(DimseCommand.ErrorComment)), context.AcceptedTransferSyntaxUid!, transcodeTo != null, bytes, time.GetElapsedTime(started), id);
        }

        /// <summary>Which accepted context carries this instance, and the syntax to transcode to (null = as-is).</summary>
        private (DicomNegotiatedContext Context, string? TranscodeTo) ChooseContext(DicomStoreSource source)
        {
            // Once per file: plain loops over the few contexts (no per-file list and closures).
            var asIs = AcceptedFor(source.SopClassUid, source.TransferSyntaxUid);
            if (asIs != null) return (asIs, null);
            if (DicomUids.IsTranscodable(source.TransferSyntaxUid))
            {
                foreach (var target in DicomUids.UncompressedLittleEndian)
                {
                    var c = AcceptedFor(source.SopClassUid, target);
                    if (c != null) return (c, target);
                }
                var candidates = new List<string> { source.TransferSyntaxUid };
                candidates.AddRange(DicomUids.UncompressedLittleEndian.Where(t => t != source.TransferSyntaxUid));
                throw new DicomNoAcceptedContextException(source.SopClassUid, candidates);
            }
            throw new DicomNoAcceptedContextException(source.SopClassUid, new[] { source.TransferSyntaxUid });
        }

        private DicomNegotiatedContext? AcceptedFor(string sopClassUid, string transferSyntaxUid)
        {
            foreach (var c in PresentationContexts)
                if (c.IsAccepted && c.AbstractSyntaxUid == sopClassUid && c.AcceptedTransferSyntaxUid == transferSyntaxUid) return c;
            return null;
        }

        /// <summary>A-RELEASE-RQ, then waits (ARTIM) for A-RELEASE-RP and closes.</summary>
        public async Task ReleaseAsync(CancellationToken cancellationToken)
        {
            if (!IsOpen) return;
            await Guard(async () =>
            {
                var rq = PduCodec.ReleaseRequest();
                await _channel.WriteAsync(rq, 0, rq.Length, "sending A-RELEASE-RQ", _options.WriteTimeout, cancellationToken).ConfigureAwait(false);
                while (true)
                {
                    var pdu = await _channel.ReadAsync("waiting for A-RELEASE-RP (ARTIM)", _options.ArtimTimeout, cancellationToken).ConfigureAwait(false);
                    if (pdu.Type == PduType.ReleaseResponse) break;
                    if (pdu.Type == PduType.Abort) throw PeerAbort(pdu);
                    if (pdu.Type == PduType.ReleaseRequest)
                    {
                        // Release collision (PS3.8 §7.2.2): as requestor we answer and then wait for the peer's answer.
                        var rp = PduCodec.ReleaseResponse();
                        await _channel.WriteAsync(rp, 0, rp.Length, "answering A-RELEASE-RQ", _options.WriteTimeout, cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                    if (pdu.Type != PduType.DataTransfer) throw new DicomProtocolException("The peer answered A-RELEASE-RQ with " + PduType.Name(pdu.Type) + "; the association was aborted.");
                }
                return 0;
            }).ConfigureAwait(false);
            _ended = true;
            _channel.Close();
        }

        /// <summary>A-ABORT (service user) and close; for giving up without a release.</summary>
        public void Abort()
        {
            _ended = true;
            _channel.Abort(0, 0);
        }

        /// <summary>Aborts when still open (use <see cref="ReleaseAsync"/> for an orderly end).</summary>
        public void Dispose()
        {
            if (IsOpen) Abort();
            _channel.Dispose();
        }

        private async Task<DimseCommand> ReadResponseAsync(ushort expectedField, ushort messageId, string waitingFor, CancellationToken cancellationToken)
        {
            var response = await Guard(async () =>
            {
                var length = 0;
                var inData = false;
                while (true)
                {
                    var pdu = await _channel.ReadAsync(waitingFor, _options.ReadTimeout, cancellationToken).ConfigureAwait(false);
                    if (pdu.Type == PduType.Abort) throw PeerAbort(pdu);
                    if (pdu.Type != PduType.DataTransfer) throw new DicomProtocolException("The peer sent " + PduType.Name(pdu.Type) + " while we were " + waitingFor + "; the association was aborted.");
                    var pos = 0;
                    while (pos < pdu.Length)
                    {
                        if (pdu.Length - pos < 6) throw PduCodec.Malformed("P-DATA-TF", "a PDV header at byte " + pos + " runs past the end of the PDU");
                        var itemLength = PduCodec.GetBig32(pdu.Body, pos);
                        if (itemLength < 2 || itemLength > pdu.Length - pos - 4) throw PduCodec.Malformed("P-DATA-TF", "a PDV at byte " + pos + " declares " + itemLength + " bytes, " + (pdu.Length - pos - 4) + " remain in the PDU");
                        var contextId = pdu.Body[pos + 4];
                        var control = pdu.Body[pos + 5];
                        var dataLength = (int)itemLength - 2;
                        var isCommand = (control & 1) != 0;
                        var isLast = (control & 2) != 0;
                        if (!IsAcceptedContext(contextId))
                            throw PduCodec.Malformed("P-DATA-TF", "a PDV names presentation context " + contextId + ", which was not accepted");
                        if (isCommand)
                        {
                            if (inData) throw PduCodec.Malformed("P-DATA-TF", "a command fragment arrived inside a data set");
                            if (length + dataLength > _command.Length) throw new DicomProtocolException("The peer sent a DIMSE command longer than " + _command.Length + " bytes; the association was aborted.");
                            Buffer.BlockCopy(pdu.Body, pos + 6, _command, length, dataLength);
                            length += dataLength;
                            if (isLast)
                            {
                                var command = DimseCommand.Decode(_command, length);
                                if (!command.HasDataSet) return command;
                                inData = true; // a response data set (not used by C-ECHO/C-STORE): read past it
                                _pendingResponse = command;
                            }
                        }
                        else
                        {
                            if (!inData) throw PduCodec.Malformed("P-DATA-TF", "a data set fragment arrived before its command");
                            if (isLast) return _pendingResponse!;
                        }
                        pos += 4 + (int)itemLength;
                    }
                }
            }).ConfigureAwait(false);
            var field = response.GetUInt16(DimseCommand.CommandField);
            var respondedTo = response.GetUInt16(DimseCommand.MessageIdBeingRespondedTo);
            if (field != expectedField || respondedTo != messageId)
                throw Fail(new DicomProtocolException("The peer answered message " + messageId + " with command 0x" + (field ?? 0).ToString("X4", CultureInfo.InvariantCulture) + " for message " + (respondedTo?.ToString(CultureInfo.InvariantCulture) ?? "(none)") + " instead of 0x" + expectedField.ToString("X4", CultureInfo.InvariantCulture) + "; the association was aborted."));
            if (response.GetUInt16(DimseCommand.Status) == null)
                throw Fail(new DicomProtocolException("The peer's response to message " + messageId + " has no Status (0000,0900); the association was aborted."));
            return response;
        }

        private DimseCommand? _pendingResponse;

        // Called for every PDV of every response: a loop, not a LINQ lambda that allocates a closure each time.
        private bool IsAcceptedContext(byte id)
        {
            foreach (var c in PresentationContexts)
                if (c.Id == id && c.IsAccepted) return true;
            return false;
        }

        /// <summary>Runs one exchange; any failure ends the association (A-ABORT on protocol errors, as PS3.8 asks).</summary>
        private async Task<T> Guard<T>(Func<Task<T>> exchange)
        {
            if (_ended) throw new DicomNetworkException(DicomNetworkFailure.Connection, "The association was already released or aborted; open a new one.", true);
            try
            {
                return await exchange().ConfigureAwait(false);
            }
            catch (DicomProtocolException ex) { throw Fail(ex); }
            catch (DicomAssociationAbortedException) { _ended = true; _channel.Close(); throw; }
            catch (Exception)
            {
                // A message may be half-sent (a damaged file, a timeout): the association cannot carry another one.
                _ended = true;
                _channel.Abort(0, 0);
                throw;
            }
        }

        private DicomProtocolException Fail(DicomProtocolException ex)
        {
            _ended = true;
            _channel.Abort(2, 0);
            return ex;
        }

        private static DicomAssociationAbortedException PeerAbort(ReceivedPdu pdu)
        {
            byte source = pdu.Length >= 4 ? pdu.Body[2] : (byte)0, reason = pdu.Length >= 4 ? pdu.Body[3] : (byte)0;
            return new DicomAssociationAbortedException(true, source, reason);
        }

        private ushort NextMessageId() => _messageId = (ushort)(_messageId == ushort.MaxValue ? 1 : _messageId + 1);

        private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
    }
}
