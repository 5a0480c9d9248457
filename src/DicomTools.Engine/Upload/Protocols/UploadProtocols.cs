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
                throw new ArgumentException("An atomic upload cannot use the Dimse protocol: C-STORE stores each file on its own answer, and DIMSE has no all-or-nothing request or rollback. Use the Archive or StowRs protocol against the archive's HTTP API.", nameof(options));
            if (!protocol.CanSendAllInOneRequest)
                throw new ArgumentException($"An atomic upload sends every file in one request: use the Archive or StowRs protocol, not {options.Protocol}.", nameof(options));
            return new AtomicUpload(protocol, options, sender, log);
        }
    }
}
