using System;

namespace DicomTools.Dicom
{
    /// <summary>A file that is not DICOM, or is damaged: says where.</summary>
    public class DicomFormatException : Exception
    {
        /// <summary>A format error found at <paramref name="offset"/> of the file at <paramref name="path"/>.</summary>
        public DicomFormatException(string message, long offset, string? path = null, Exception? inner = null)
            : base(message, inner) { Offset = offset; Path = path; }
        /// <summary>Byte offset in the (inflated, for deflated files) stream where the problem was found.</summary>
        public long Offset { get; }
        /// <summary>The file, when reading one (null for streams).</summary>
        public string? Path { get; }
    }
}
