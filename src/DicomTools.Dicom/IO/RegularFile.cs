using System;
using System.IO;

namespace DicomTools.Dicom.IO
{
    /// <summary>Opens only regular files, so a FIFO, socket or device named *.dcm never blocks a read.</summary>
    public static class RegularFile
    {
        /// <summary>Throws <see cref="NotRegularFileException"/> when <paramref name="path"/> (links followed) exists and is not a
        /// regular file. Checked with stat(2) before open(2), because open(2) of a FIFO with no writer waits forever.</summary>
        public static void EnsureRegular(string path)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            if (!NativeLinux.IsLinux) return; // Windows has no FIFOs in the file system; other Unixes: not checked (documented)
            var stat = NativeLinux.Stat(path);
            if (stat != null && !stat.IsRegularFile && stat.Kind != "folder") throw new NotRegularFileException(path, stat.Kind);
        }

        /// <summary>Opens <paramref name="path"/> for reading after <see cref="EnsureRegular"/>; <paramref name="identity"/> is the
        /// fstat of the opened handle (null where unsupported), to tell later whether the file was replaced.</summary>
        public static FileStream OpenRead(string path, int bufferSize, FileOptions options, out FileIdentity? identity)
        {
            EnsureRegular(path);
            var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize, options);
            try
            {
                identity = NativeLinux.IsLinux ? NativeLinux.Stat(fs.SafeFileHandle) : null;
                // The path could have been swapped for a FIFO between stat and open; the handle's own type decides.
                if (identity != null && !identity.IsRegularFile) throw new NotRegularFileException(path, identity.Kind);
                return fs;
            }
            catch
            {
                fs.Dispose();
                throw;
            }
        }
    }
}
