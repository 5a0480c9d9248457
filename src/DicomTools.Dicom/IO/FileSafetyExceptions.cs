using System;
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

    /// <summary>The file to replace is read-only (its mode, or Windows' ReadOnly attribute) and overwriting read-only files
    /// was not allowed (<see cref="SafeWriteOptions.OverwriteReadOnly"/>): nothing was written.</summary>
    public sealed class ReadOnlyFileException : UnauthorizedAccessException
    {
        /// <summary>Creates the exception for <paramref name="path"/>; <paramref name="protection"/> says what makes it
        /// read-only ("mode 0444", "ReadOnly attribute"), <paramref name="howToClear"/> how to make it writable.</summary>
        public ReadOnlyFileException(string path, string protection, string howToClear)
            : base($"'{path}' is read-only ({protection}); it was left unchanged. Allow read-only files to be replaced (the protection is kept on the new file), or {howToClear}.")
        {
            Path = path; Protection = protection; HowToClear = howToClear;
        }

        /// <summary>The read-only file.</summary>
        public string Path { get; }
        /// <summary>What makes it read-only, e.g. "mode 0444".</summary>
        public string Protection { get; }
        /// <summary>How to make it writable, e.g. "make it writable: chmod u+w 'a.dcm'".</summary>
        public string HowToClear { get; }
    }

    /// <summary>
    /// The new version was flushed and renamed over the file, but flushing the folder failed: the file reads as the new
    /// version now, yet a power loss before the system writes the folder on its own could bring the old one back. Not
    /// "left unchanged", and not proven durable either.
    /// </summary>
    public sealed class FolderFlushException : IOException
    {
        /// <summary>Creates the exception for <paramref name="path"/>, whose folder's flush failed with <paramref name="inner"/>.</summary>
        public FolderFlushException(string path, Exception inner)
            : base($"'{path}' was replaced by its new version, but its folder could not be flushed to disk ({inner.Message}); after a power loss it may read as the old or the new version. Check the disk, then run the command again for this file.", inner)
        {
            Path = path;
        }

        /// <summary>The file whose replacement is not proven durable.</summary>
        public string Path { get; }
    }
}
