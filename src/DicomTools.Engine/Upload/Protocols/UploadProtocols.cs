using System;
using DicomTools.Engine.Upload.Atomic;
using Microsoft.Extensions.Logging;

namespace DicomTools.Engine.Upload.Protocols
{
    /// <summary>Picks the class that speaks the chosen protocol. Adding a protocol: a class and a line here.</summary>
    internal static class UploadProtocols
    {
        public static IUploadProtocol Create(UploadOptions options, IUploadSender sender, ILogger log)
        {
            IUploadProtocol protocol = options.Protocol switch
            {
                UploadProtocol.Raw => new RawUpload(options, sender),
                UploadProtocol.StowRs => new StowRsUpload(options, sender),
                UploadProtocol.Archive => new ArchiveUpload(options, sender),
                _ => throw new ArgumentOutOfRangeException(nameof(options), options.Protocol, "Unknown upload protocol."),
            };
            if (!options.Atomic) return protocol;
            if (!protocol.CanSendAllInOneRequest)
                throw new ArgumentException($"-Atomic sends every file in one request: use -Protocol Archive or StowRs, not {options.Protocol}.", nameof(options));
            return new AtomicUpload(protocol, options, sender, log);
        }
    }
}
