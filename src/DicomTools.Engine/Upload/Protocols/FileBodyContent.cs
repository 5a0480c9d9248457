using System;
using System.Buffers;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;

namespace DicomTools.Engine.Upload.Protocols
{
    /// <summary>
    /// Copies files into request bodies. The file is opened only when the body is written, so every
    /// attempt of a retried request reads it afresh, and nothing larger than one buffer is ever held.
    /// </summary>
    internal static class FileStreaming
    {
        /// <summary>
        /// One read and one socket write per 256 KiB: a 0.5 MB file in two of each instead of seven (80 KiB), and the
        /// buffer comes from the shared pool instead of being allocated (and zeroed) for every file.
        /// </summary>
        internal const int BufferSize = 256 * 1024;

        public static FileStream Open(string path)
        {
            // A FIFO or device named *.dcm would block the upload forever: only regular files are opened.
            DicomTools.Dicom.IO.RegularFile.EnsureRegular(path);
            // Unbuffered (bufferSize 1) and synchronous: every read fills our own pooled buffer, so a FileStream buffer
            // would be one more copy; and an asynchronous read of a regular file is a synchronous read handed to another
            // pool thread on Unix (one thread hop per read for nothing).
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.SequentialScan);
        }

        /// <summary>
        /// Copies exactly <paramref name="expectedLength"/> bytes: a file that changed size since it was queued
        /// would make the declared Content-Length a lie, which servers answer with a confusing error or a hang.
        /// </summary>
        public static async Task CopyFileAsync(string path, long expectedLength, Stream destination, Action<long>? onBytes,
            Action<byte[], int, int>? observe, CancellationToken cancellationToken)
        {
            using var source = Open(path);
            if (source.Length != expectedLength)
                throw new IOException($"'{path}' changed size while queued ({expectedLength} bytes then, {source.Length} now).");
            var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(BufferSize, Math.Max(expectedLength, 1)));
            try
            {
                long copied = 0;
                int read;
                while (true)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    read = source.Read(buffer, 0, buffer.Length);
                    if (read <= 0) break;
                    observe?.Invoke(buffer, 0, read);
                    await destination.WriteAsync(buffer, 0, read, cancellationToken).ConfigureAwait(false);
                    copied += read;
                    onBytes?.Invoke(read);
                }
                if (copied != expectedLength)
                    throw new IOException($"'{path}' changed size while being sent ({expectedLength} bytes expected, {copied} read).");
            }
            finally
            {
                // Returned only after the last write completed: the socket no longer reads from it.
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>One file as a request body, with its length known up front (no chunked encoding, no buffering).</summary>
    internal sealed class FileBodyContent : HttpContent
    {
        private readonly UploadFile _file;
        private readonly Action<long>? _onBytes;
        private readonly CancellationToken _cancellationToken;

        public FileBodyContent(UploadFile file, string contentType, Action<long>? onBytes, CancellationToken cancellationToken)
        {
            _file = file;
            _onBytes = onBytes;
            _cancellationToken = cancellationToken;
            Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            FileStreaming.CopyFileAsync(_file.Path, _file.Length, stream, _onBytes, null, _cancellationToken);

        protected override bool TryComputeLength(out long length)
        {
            length = _file.Length;
            return true;
        }
    }
}
