using System.Collections.Generic;
using System.Threading.Channels;

namespace DicomTools.Engine.Upload.Scheduling
{
    /// <summary>
    /// Lets results out in the order their files were added, whatever order they finish in: a finished result waits
    /// only for those before it. Called from any worker.
    /// </summary>
    internal sealed class InputOrder
    {
        private readonly ChannelWriter<UploadResult> _output;
        private readonly Dictionary<long, UploadResult> _waiting = new Dictionary<long, UploadResult>();
        private readonly object _lock = new object();
        private long _next;

        public InputOrder(ChannelWriter<UploadResult> output) { _output = output; }

        /// <summary>Holds or lets out <paramref name="result"/>; returns how many results it let out (0 when earlier ones are still running).</summary>
        public int Finished(UploadResult result)
        {
            var released = 0;
            lock (_lock)
            {
                _waiting[result.Sequence] = result;
                while (_waiting.TryGetValue(_next, out var ready))
                {
                    _waiting.Remove(_next);
                    _output.TryWrite(ready);
                    _next++;
                    released++;
                }
            }
            return released;
        }
    }
}
