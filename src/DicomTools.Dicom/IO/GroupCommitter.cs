using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;

namespace DicomTools.Dicom.IO
{
    /// <summary>
    /// Commits staged replacements so that concurrent files share their folder's fsync, keeping each file's promise: a
    /// file's task completes only once its new data was fsynced before its rename, and a fsync of its folder that STARTED
    /// after its rename has returned (one such fsync makes every rename done before it started durable).
    /// <list type="number">
    /// <item>on the calling thread: fsync of the new file (a failure is that file's own: its temporary file is removed and
    /// its target left as it was), the source check and the rename;</item>
    /// <item>then the folder: if no fsync of it is running, the caller runs one (and goes on running one while renames
    /// arrived meanwhile); if one is running, it started before this rename and does not count: the file waits for the
    /// next one, run by that same caller, together with every other rename that arrived meanwhile.</item>
    /// </list>
    /// The data fsyncs stay on the callers' threads, concurrent: the kernel and the disk merge the flushes of concurrent
    /// fsyncs, which a single thread fsyncing file after file would not give them. No thread of its own, no timer. Thread-safe.
    /// </summary>
    public sealed class GroupCommitter
    {
        private readonly IFileDurability _durability;
        private readonly object _gate = new object();
        private readonly Dictionary<string, FolderState> _folders = new Dictionary<string, FolderState>(StringComparer.Ordinal);
        private long _folderFlushes;

        /// <summary>A committer over the real system calls.</summary>
        public GroupCommitter() : this(SystemFileDurability.Instance) { }

        internal GroupCommitter(IFileDurability durability) { _durability = durability ?? throw new ArgumentNullException(nameof(durability)); }

        /// <summary>How many folder fsyncs were run (each covers every rename in that folder done before it started).</summary>
        public long FolderFlushes { get { lock (_gate) return _folderFlushes; } }

        /// <summary>
        /// Takes <paramref name="staged"/> (it is disposed when done) and returns a task that completes once its rename is
        /// durable. It fails with what went wrong: the flush of the new file or the source check (the target untouched, the
        /// temporary file removed), or <see cref="FolderFlushException"/> (renamed, but the folder could not be flushed). The
        /// calling thread flushes and renames its own file, and may run folder fsyncs that cover other files, before this returns.
        /// </summary>
        public Task Commit(StagedReplacement staged)
        {
            if (staged == null) throw new ArgumentNullException(nameof(staged));
            try
            {
                staged.FlushData(_durability);
                staged.Publish(_durability);
            }
            catch (Exception ex)
            {
                staged.Dispose();
                return Failed(ex);
            }
            if (!staged.FlushToDisk)
            {
                staged.Dispose();
                return Task.CompletedTask;
            }

            var waiter = new Waiter(staged);
            FolderState state;
            lock (_gate)
            {
                if (!_folders.TryGetValue(staged.Folder, out state!)) _folders[staged.Folder] = state = new FolderState();
                state.Waiting.Add(waiter);
                if (state.Flushing) return waiter.Completion.Task; // that fsync started before our rename: wait for the next
                state.Flushing = true;
            }
            RunFolderFlushes(staged.Folder, state);
            return waiter.Completion.Task;
        }

        /// <summary>Runs fsyncs of the folder until no rename is waiting; each covers exactly the renames taken before it started.</summary>
        private void RunFolderFlushes(string folder, FolderState state)
        {
            while (true)
            {
                List<Waiter> covered;
                lock (_gate)
                {
                    if (state.Waiting.Count == 0)
                    {
                        state.Flushing = false;
                        _folders.Remove(folder);
                        return;
                    }
                    covered = state.Waiting;
                    state.Waiting = new List<Waiter>();
                    _folderFlushes++;
                }
                Exception? failure = null;
                try { _durability.FlushFolder(folder); }
                catch (Exception ex) { failure = ex; }
                foreach (var w in covered)
                {
                    w.Staged.Dispose();
                    if (failure == null) w.Completion.TrySetResult(true);
                    else w.Completion.TrySetException(new FolderFlushException(w.Staged.TargetRealPath, failure));
                }
            }
        }

        private static Task<bool> Failed(Exception ex)
        {
            var failed = new TaskCompletionSource<bool>();
            failed.SetException(ex);
            return failed.Task;
        }

        private sealed class FolderState
        {
            public bool Flushing;
            public List<Waiter> Waiting = new List<Waiter>();
        }

        private sealed class Waiter
        {
            public Waiter(StagedReplacement staged) { Staged = staged; }
            public StagedReplacement Staged { get; }
            // Continuations run asynchronously: a waiter's own work must never run on the thread flushing the folder.
            public TaskCompletionSource<bool> Completion { get; } = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
