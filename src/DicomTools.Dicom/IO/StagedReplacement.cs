using System;
using System.IO;
using System.Threading;

namespace DicomTools.Dicom.IO
{
    /// <summary>
    /// A new version of a file, complete in its temporary file beside the target (locked, with the target's permissions), not
    /// yet flushed nor renamed: what <see cref="SafeFileReplacer.Stage"/> returns and <see cref="GroupCommitter"/> commits.
    /// Disposing it before <see cref="Published"/> removes the temporary file; the target is then untouched.
    /// </summary>
    public sealed class StagedReplacement : IDisposable
    {
        private readonly string _source;
        private readonly bool _windowsReadOnly;
        private readonly SafeWriteOptions _options;
        private FileStream? _output;
        private IDisposable? _holdOpen;
        private readonly bool _releaseHeldInBackground;
        private bool _disposed;

        /// <summary>
        /// From this size of new file up, what was held open (the replaced file) is released on a pool thread once the new
        /// version is published. The last close of a replaced file frees all its blocks and cached pages inside close():
        /// ~1 s for 1 GiB here (strace -T), which no caller needs to wait for. Smaller files close where they are: a pool
        /// hop would cost more than their close.
        /// </summary>
        internal const long BackgroundReleaseBytes = 64L * 1024 * 1024;

        internal StagedReplacement(string source, string targetRealPath, string folder, string temporaryPath, FileStream output, bool windowsReadOnly, SafeWriteOptions options, IDisposable? holdOpen, bool releaseHeldInBackground = false)
        {
            _source = source; TargetRealPath = targetRealPath; Folder = folder; TemporaryPath = temporaryPath;
            _output = output; _windowsReadOnly = windowsReadOnly; _options = options; _holdOpen = holdOpen;
            _releaseHeldInBackground = releaseHeldInBackground;
        }

        /// <summary>The file to replace, links resolved.</summary>
        public string TargetRealPath { get; }
        /// <summary>The folder of <see cref="TargetRealPath"/>: the one to flush after the rename.</summary>
        public string Folder { get; }
        /// <summary>The temporary file that holds the new version until it is renamed.</summary>
        public string TemporaryPath { get; }
        /// <summary>False when the caller asked for no flush at all (<see cref="SafeWriteOptions.FlushToDisk"/> off).</summary>
        public bool FlushToDisk => _options.FlushToDisk;
        /// <summary>True once the new version has been renamed over the target.</summary>
        public bool Published { get; private set; }

        /// <summary>Step 1: the new file's data and metadata (its mode) are on the disk when this returns.</summary>
        internal void FlushData(IFileDurability durability)
        {
            if (_output == null) throw new ObjectDisposedException(nameof(StagedReplacement));
            if (_options.FlushToDisk) durability.FlushFile(_output);
            else _output.Flush();
        }

        /// <summary>
        /// Step 2: checks that the source is still the file that was read, then renames the new file over the target. On
        /// Linux the temporary file stays open (and locked) through the rename, so a concurrent cleaner never takes it for
        /// a leftover; Windows cannot rename an open file.
        /// </summary>
        /// <exception cref="FileChangedException">The source changed since it was read: nothing was renamed.</exception>
        internal void Publish(IFileDurability durability)
        {
            if (_output == null && NativeLinux.IsLinux) throw new ObjectDisposedException(nameof(StagedReplacement));
            _options.BeforeReplace?.Invoke(TemporaryPath);
            if (_options.SourceIdentity != null)
            {
                var now = FileIdentity.Of(_source);
                if (!_options.SourceIdentity.Equals(now)) throw new FileChangedException(_source);
            }
            if (!NativeLinux.IsLinux) { _output?.Dispose(); _output = null; }
            if (_windowsReadOnly) File.SetAttributes(TargetRealPath, File.GetAttributes(TargetRealPath) & ~FileAttributes.ReadOnly);
            durability.Rename(TemporaryPath, TargetRealPath);
            Published = true;
            // The temporary name is gone, and with it the lock's purpose: readers of the new file must not meet our lock
            // while it waits for its folder's flush.
            _output?.Dispose();
            _output = null;
            if (_windowsReadOnly) File.SetAttributes(TargetRealPath, File.GetAttributes(TargetRealPath) | FileAttributes.ReadOnly);
        }

        /// <summary>Step 3, for a caller that commits this file alone: flushes its folder (a group commit flushes it once for many).</summary>
        /// <exception cref="FolderFlushException">The rename happened but the folder could not be flushed.</exception>
        internal void FlushFolder(IFileDurability durability)
        {
            if (!Published || !_options.FlushToDisk) return;
            try { durability.FlushFolder(Folder); }
            catch (IOException ex) { throw new FolderFlushException(TargetRealPath, ex); }
        }

        /// <summary>Closes the new file (and what was held open with it); removes it when it was never renamed.</summary>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            try
            {
                _output?.Dispose();
            }
            catch (IOException) { } // closing after a failed flush: the flush already reported it
            _output = null;
            if (!Published) SafeFileReplacer.DeleteQuietly(TemporaryPath);
            var held = _holdOpen;
            _holdOpen = null;
            if (held == null) return;
            if (Published && _releaseHeldInBackground) ThreadPool.QueueUserWorkItem(ReleaseQuietly, held);
            else held.Dispose();
        }

        private static void ReleaseQuietly(object? held)
        {
            // Nobody waits for this: a failure to close a file that is already replaced (and unlinked) has no one to tell.
            try { ((IDisposable)held!).Dispose(); }
            catch (IOException) { }
            catch (ObjectDisposedException) { }
        }
    }
}
