using System.IO;

namespace DicomTools.Dicom.IO
{
    /// <summary>A FIFO, socket, device or other non-regular file given where a DICOM file is expected: never opened, since
    /// opening or reading one can wait forever.</summary>
    public sealed class NotRegularFileException : IOException
    {
        /// <summary>Creates the exception for <paramref name="path"/>, a <paramref name="kind"/>.</summary>
        public NotRegularFileException(string path, string kind)
            : base($"'{path}' is a {kind}, not a regular file; it was not opened (reading it could wait forever). Give only regular DICOM files (Get-ChildItem -File also lists FIFOs: check it with 'ls -l'), or remove it from the input.")
        {
            Path = path; Kind = kind;
        }

        /// <summary>The path given.</summary>
        public string Path { get; }
        /// <summary>What it is instead ("FIFO (named pipe)", "socket", ...).</summary>
        public string Kind { get; }
    }

    /// <summary>Another process replaced or modified the file between our read and our rename: our version was discarded.</summary>
    public sealed class FileChangedException : IOException
    {
        /// <summary>Creates the exception for <paramref name="path"/>.</summary>
        public FileChangedException(string path)
            : base($"'{path}' changed while being edited (another program wrote it); the other program's version was kept and this edit was discarded. Run the command again for this file.")
        {
            Path = path;
        }

        /// <summary>The file that changed.</summary>
        public string Path { get; }
    }
}
