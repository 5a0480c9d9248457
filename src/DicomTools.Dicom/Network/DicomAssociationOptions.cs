using System;
using System.Reflection;

namespace DicomTools.Dicom.Network
{
    /// <summary>Where and how to open an association as SCU.</summary>
    public sealed class DicomAssociationOptions
    {
        /// <summary>Our AE title unless the caller gives one.</summary>
        public const string DefaultCallingAETitle = "DICOMTOOLS";

        /// <summary>Where to connect and whom to call; see the properties for AE titles, timeouts and PDU sizes.</summary>
        public DicomAssociationOptions(string host, int port, string calledAETitle)
        {
            Host = host ?? throw new ArgumentNullException(nameof(host));
            if (port < 1 || port > 65535) throw new ArgumentOutOfRangeException(nameof(port), port, "A TCP port is between 1 and 65535.");
            Port = port;
            CalledAETitle = calledAETitle ?? throw new ArgumentNullException(nameof(calledAETitle));
        }

        /// <summary>Host name or IP address of the peer.</summary>
        public string Host { get; }
        /// <summary>The peer's DICOM port.</summary>
        public int Port { get; }
        /// <summary>The peer's AE title (the archive's, e.g. ORTHANC).</summary>
        public string CalledAETitle { get; }
        /// <summary>Ours, as the peer knows us.</summary>
        public string CallingAETitle { get; set; } = DefaultCallingAETitle;

        /// <summary>TCP connection time limit.</summary>
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>ARTIM (PS3.8 §9.1.5): how long we wait for A-ASSOCIATE-AC/RJ and for A-RELEASE-RP.</summary>
        public TimeSpan ArtimTimeout { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>How long we wait for a DIMSE response once the request was sent (an archive may take time to store a large file).</summary>
        public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>How long one P-DATA-TF PDU may take to leave (a peer that stops reading).</summary>
        public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>The maximum PDU length we announce: the largest P-DATA-TF we accept (bounds what a peer makes us buffer).</summary>
        public uint MaxReceivePduLength { get; set; } = 256 * 1024;
        /// <summary>Our own ceiling on PDUs we send, also used when the peer announces 0 (no limit).</summary>
        public uint MaxSendPduLength { get; set; } = 1024 * 1024;

        /// <summary>Our implementation class UID, sent in A-ASSOCIATE-RQ.</summary>
        public string ImplementationClassUid { get; set; } = DicomUids.ImplementationClassUid;
        /// <summary>At most 16 characters (PS3.7 D.3.3.2).</summary>
        public string ImplementationVersionName { get; set; } = DefaultVersionName();

        /// <summary>The clock every timeout runs on; tests pass a manual one.</summary>
        public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

        /// <summary>
        /// Every I/O of the association runs synchronously on the calling thread (the returned tasks are already complete),
        /// for a caller that gives each association a thread of its own: no hop through the thread pool per PDU and per
        /// answer, which on a loopback or LAN costs more CPU than the transfer. Timeouts and cancellation still close the
        /// socket, which ends a blocked read or write. Leave false on thread-pool threads: a blocked pool thread delays
        /// everyone's work, timers included.
        /// </summary>
        public bool BlockingIo { get; set; }

        /// <summary>A copy, to change without touching the caller's options.</summary>
        public DicomAssociationOptions Copy() => (DicomAssociationOptions)MemberwiseClone();

        /// <summary>Sets every timeout to one value (what -TimeoutSec means).</summary>
        public DicomAssociationOptions WithTimeout(TimeSpan timeout)
        {
            ConnectTimeout = ArtimTimeout = ReadTimeout = WriteTimeout = timeout;
            return this;
        }

        /// <summary>CALLED@host:port.</summary>
        public override string ToString() => CalledAETitle + "@" + Host + ":" + Port;

        private static string DefaultVersionName()
        {
            var v = typeof(DicomAssociationOptions).GetTypeInfo().Assembly.GetName().Version;
            var name = "DICOMTOOLS_" + (v == null ? "0" : v.Major + "" + v.Minor + "" + v.Build);
            return name.Length > 16 ? name.Substring(0, 16) : name;
        }
    }

    /// <summary>What the peer told us about itself in A-ASSOCIATE-AC.</summary>
    public sealed class DicomPeerInfo
    {
        internal DicomPeerInfo(string? implementationClassUid, string? implementationVersionName, uint maxPduLength)
        { ImplementationClassUid = implementationClassUid; ImplementationVersionName = implementationVersionName; MaxPduLength = maxPduLength; }
        /// <summary>The peer's implementation class UID (identifies its software).</summary>
        public string? ImplementationClassUid { get; }
        /// <summary>The peer's implementation version name, e.g. OFFIS_DCMTK_367.</summary>
        public string? ImplementationVersionName { get; }
        /// <summary>The largest P-DATA-TF the peer accepts; 0 = no limit.</summary>
        public uint MaxPduLength { get; }
    }

    /// <summary>Answer to C-ECHO.</summary>
    public sealed class DicomEchoResult
    {
        internal DicomEchoResult(ushort status, TimeSpan roundTrip) { Status = status; RoundTrip = roundTrip; }
        /// <summary>The C-ECHO-RSP status (0000 = success).</summary>
        public ushort Status { get; }
        /// <summary>True for status 0000.</summary>
        public bool IsSuccess => Status == DicomStatus.Success;
        /// <summary>From sending C-ECHO-RQ to receiving C-ECHO-RSP.</summary>
        public TimeSpan RoundTrip { get; }
    }

    /// <summary>Answer to one C-STORE.</summary>
    public sealed class DicomStoreResult
    {
        internal DicomStoreResult(string sopClassUid, string sopInstanceUid, ushort status, string? errorComment, string sentTransferSyntaxUid, bool transcoded, long bytes, TimeSpan duration, ushort messageId)
        {
            SopClassUid = sopClassUid; SopInstanceUid = sopInstanceUid; Status = status; ErrorComment = errorComment;
            SentTransferSyntaxUid = sentTransferSyntaxUid; Transcoded = transcoded; Bytes = bytes; Duration = duration; MessageId = messageId;
        }
        /// <summary>Affected SOP Class UID of the stored instance.</summary>
        public string SopClassUid { get; }
        /// <summary>Affected SOP Instance UID of the stored instance.</summary>
        public string SopInstanceUid { get; }
        /// <summary>The DIMSE status (0000 success, Bxxx warning, A7xx out of resources, A9xx/Cxxx failure...).</summary>
        public ushort Status { get; }
        /// <summary>The status as an outcome (stored, stored with warning, out of resources, failed).</summary>
        public DicomStoreOutcome Outcome => DicomStatus.Classify(Status);
        /// <summary>True for Stored and StoredWithWarning.</summary>
        public bool IsStored => Outcome == DicomStoreOutcome.Stored || Outcome == DicomStoreOutcome.StoredWithWarning;
        /// <summary>Only A7xx: the peer may accept the same file later.</summary>
        public bool IsRetryable => DicomStatus.IsRetryable(Status);
        /// <summary>The status in words, e.g. "refused: out of resources (A700)".</summary>
        public string StatusText => DicomStatus.Describe(Status);
        /// <summary>(0000,0902) from the peer, when it sent one.</summary>
        public string? ErrorComment { get; }
        /// <summary>The status and, when present, the peer's error comment, as one sentence for a result's Message.</summary>
        public string Message => ErrorComment == null ? StatusText : StatusText + ": " + ErrorComment;
        /// <summary>The transfer syntax the data set went in (the accepted one).</summary>
        public string SentTransferSyntaxUid { get; }
        /// <summary>True when the file went in another (uncompressed) syntax than its own.</summary>
        public bool Transcoded { get; }
        /// <summary>Data set bytes sent (after transcoding).</summary>
        public long Bytes { get; }
        /// <summary>From the C-STORE-RQ to its response.</summary>
        public TimeSpan Duration { get; }
        /// <summary>The message id of the C-STORE-RQ.</summary>
        public ushort MessageId { get; }
    }
}

namespace DicomTools.Dicom.Network
{
    /// <summary>Checks a caller can run on its parameters before opening anything.</summary>
    public static class DicomNetworkValidation
    {
        /// <summary>Null when <paramref name="aeTitle"/> is a valid AE title, else what is wrong with it.</summary>
        public static string? AeTitleProblem(string? aeTitle) => PduCodec.AeTitleProblem(aeTitle);

        /// <summary>A UID: digits and dots, no empty or zero-led component, at most 64 characters (PS3.5 §9.1).</summary>
        public static bool IsUid(string? uid)
        {
            if (string.IsNullOrEmpty(uid) || uid!.Length > 64) return false;
            foreach (var part in uid.Split('.'))
            {
                if (part.Length == 0 || (part.Length > 1 && part[0] == '0')) return false;
                foreach (var c in part) if (c < '0' || c > '9') return false;
            }
            return true;
        }
    }
}
