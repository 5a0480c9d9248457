using System.IO;

namespace DicomTools.Dicom.IO
{
    /// <summary>
    /// The steps that make a replacement durable, in the order the replacer takes them: flush the new file (data and
    /// metadata, its mode included), rename it over the target, flush the folder. Behind an interface so
    /// tests can record the order of the steps across files and make one of them fail.
    /// </summary>
    internal interface IFileDurability
    {
        /// <summary>fsync(2): the file's data and metadata are on the disk when it returns.</summary>
        void FlushFile(FileStream file);
        /// <summary>Renames <paramref name="temporary"/> over <paramref name="target"/> (atomic on Unix).</summary>
        void Rename(string temporary, string target);
        /// <summary>fsync(2) of the folder: every rename in it that happened before this call started is durable when it returns.</summary>
        void FlushFolder(string folder);
    }

    /// <summary>The real system calls.</summary>
    internal sealed class SystemFileDurability : IFileDurability
    {
        public static readonly SystemFileDurability Instance = new SystemFileDurability();

        // fsync rather than fdatasync: the new file's mode (copied from the original) is metadata fdatasync may leave behind.
        public void FlushFile(FileStream file) => file.Flush(true);

        public void Rename(string temporary, string target)
        {
            if (File.Exists(target))
            {
                // Unix: rename(2), atomic. Windows: ReplaceFile keeps the original's ACLs and attributes.
                File.Replace(temporary, target, null, true);
            }
            else
            {
                File.Move(temporary, target);
            }
        }

        public void FlushFolder(string folder)
        {
            if (NativeLinux.IsLinux) NativeLinux.FsyncFolder(folder);
        }
    }
}
