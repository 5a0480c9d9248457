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
                UploadProtocol.Dimse => new DimseUpload(options, log),
                _ => throw new ArgumentOutOfRangeException(nameof(options), options.Protocol, "Unknown upload protocol."),
            };
            if (!options.Atomic) return protocol;
            if (options.Protocol == UploadProtocol.Dimse)
                throw new ArgumentException("-Atomic cannot work with -Protocol Dimse: C-STORE stores each file on its own answer, and DIMSE has no all-or-nothing request or rollback. Use -Protocol Archive or StowRs against the archive's HTTP API.", nameof(options));
            if (!protocol.CanSendAllInOneRequest)
                throw new ArgumentException($"-Atomic sends every file in one request: use -Protocol Archive or StowRs, not {options.Protocol}.", nameof(options));
            return new AtomicUpload(protocol, options, sender, log);
        }
    }
}
