using System;

namespace DicomTools.Dicom.IO
{
    /// <summary>What a file is (its type and mode bits) and which file it is (device, inode, size, modification time).</summary>
    public sealed class FileIdentity : IEquatable<FileIdentity>
    {
        private const int TypeMask = 0xF000;
        private const int RegularType = 0x8000;

        private FileIdentity(ulong device, ulong inode, long size, long modifiedNanoseconds, int mode)
        {
            Device = device; Inode = inode; Size = size; ModifiedNanoseconds = modifiedNanoseconds; Mode = mode;
        }

        /// <summary>The device (major &lt;&lt; 32 | minor).</summary>
        public ulong Device { get; }
        /// <summary>The inode number.</summary>
        public ulong Inode { get; }
        /// <summary>The size in bytes.</summary>
        public long Size { get; }
        /// <summary>The modification time in nanoseconds since the Unix epoch.</summary>
        public long ModifiedNanoseconds { get; }
        /// <summary>st_mode: the file type and permission bits.</summary>
        public int Mode { get; }
        /// <summary>A regular file (not a folder, FIFO, socket or device).</summary>
        public bool IsRegularFile => (Mode & TypeMask) == RegularType;
        /// <summary>A symbolic link (only seen when links are not followed).</summary>
        public bool IsSymbolicLink => (Mode & TypeMask) == 0xA000;
        /// <summary>A plain word for the kind of file, for messages.</summary>
        public string Kind
        {
            get
            {
                switch (Mode & TypeMask)
                {
                    case RegularType: return "regular file";
                    case 0x4000: return "folder";
                    case 0x1000: return "FIFO (named pipe)";
                    case 0xC000: return "socket";
                    case 0x2000: return "character device";
                    case 0x6000: return "block device";
                    case 0xA000: return "symbolic link";
                    default: return "special file";
                }
            }
        }

        /// <summary>stat of <paramref name="path"/>, following links; null where unsupported (not Linux) or missing.</summary>
        public static FileIdentity? Of(string path) => NativeLinux.IsLinux ? NativeLinux.Stat(path) : null;

        internal static FileIdentity FromStatx(byte[] b)
        {
            var mode = BitConverter.ToUInt16(b, 28);
            var inode = BitConverter.ToUInt64(b, 32);
            var size = BitConverter.ToInt64(b, 40);
            var mtime = BitConverter.ToInt64(b, 112) * 1_000_000_000L + BitConverter.ToUInt32(b, 120);
            var device = ((ulong)BitConverter.ToUInt32(b, 136) << 32) | BitConverter.ToUInt32(b, 140);
            return new FileIdentity(device, inode, size, mtime, mode);
        }

        /// <summary>Same file, same size, same modification time.</summary>
        public bool Equals(FileIdentity? other) =>
            other != null && Device == other.Device && Inode == other.Inode && Size == other.Size && ModifiedNanoseconds == other.ModifiedNanoseconds;

        /// <inheritdoc/>
        public override bool Equals(object? obj) => Equals(obj as FileIdentity);

        /// <inheritdoc/>
        public override int GetHashCode() => (Device, Inode, Size, ModifiedNanoseconds).GetHashCode();

        /// <inheritdoc/>
        public override string ToString() => $"dev {Device:x} inode {Inode} size {Size} mtime {ModifiedNanoseconds}";
    }
}
