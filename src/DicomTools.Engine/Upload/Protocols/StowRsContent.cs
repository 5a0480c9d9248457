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
    /// A STOW-RS request body (PS3.18 §10.5): multipart/related; type="application/dicom", one part per file,
    /// streamed from disk part by part with the total length computed up front.
    /// </summary>
    internal sealed class StowRsContent : HttpContent
    {
        private static readonly Encoding Ascii = Encoding.ASCII;
        private readonly IReadOnlyList<UploadFile> _files;
        private readonly string _partContentType;
        private readonly Action<long>? _onBytes;
        private readonly CancellationToken _cancellationToken;

        public StowRsContent(IReadOnlyList<UploadFile> files, string partContentType, Action<long>? onBytes, CancellationToken cancellationToken, string? boundary = null)
        {
            if (files.Count == 0) throw new ArgumentException("A STOW-RS request needs at least one file.", nameof(files));
            _files = files;
            _partContentType = partContentType;
            _onBytes = onBytes;
            _cancellationToken = cancellationToken;
            Boundary = boundary ?? "DicomTools-" + Guid.NewGuid().ToString("N");
            var mediaType = new MediaTypeHeaderValue("multipart/related");
            // type= is mandatory for STOW-RS; quoted because it contains '/'.
            mediaType.Parameters.Add(new NameValueHeaderValue("type", "\"" + partContentType + "\""));
            mediaType.Parameters.Add(new NameValueHeaderValue("boundary", Boundary));
            Headers.ContentType = mediaType;
        }

        public string Boundary { get; }

        /// <summary>
        /// What goes before a file's bytes: the previous part's closing CRLF (none before the first part), the delimiter
        /// and the part's headers. One small write per file instead of two; made once per body, not per pass (the length
        /// is computed before the body is written).
        /// </summary>
        private byte[] PartHeader(int index)
        {
            _partHeaders ??= new byte[_files.Count][];
            return _partHeaders[index] ??= Ascii.GetBytes((index == 0 ? "--" : "\r\n--") + Boundary
                + "\r\nContent-Type: " + _partContentType + "\r\nContent-Length: " + _files[index].Length + "\r\n\r\n");
        }

        private byte[][]? _partHeaders;
        private byte[] Closing => _closing ??= Ascii.GetBytes("\r\n--" + Boundary + "--\r\n");
        private byte[]? _closing;

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var i = 0; i < _files.Count; i++)
            {
                var file = _files[i];
                var header = PartHeader(i);
                await stream.WriteAsync(header, 0, header.Length, _cancellationToken).ConfigureAwait(false);
                await FileStreaming.CopyFileAsync(file.Path, file.Length, stream, _onBytes, null, _cancellationToken).ConfigureAwait(false);
            }
            var closing = Closing;
            await stream.WriteAsync(closing, 0, closing.Length, _cancellationToken).ConfigureAwait(false);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = Closing.Length;
            for (var i = 0; i < _files.Count; i++) length += PartHeader(i).Length + _files[i].Length;
            return true;
        }
    }
}
