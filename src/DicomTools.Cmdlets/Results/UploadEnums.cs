using System;
using EngineUpload = DicomTools.Engine.Upload;

namespace DicomTools.Cmdlets
{
    // The cmdlet's public enums live here, not in the Engine: PowerShell lays out every exported type of this
    // assembly at import, before the Engine's load context exists, and an enum field of an Engine type would
    // make that fail. The Engine keeps its own; the conversions below are the only link.

    /// <summary>How Send-DicomFile carries files.</summary>
    public enum UploadProtocol
    {
        /// <summary>One POST per file, the file's bytes as the body.</summary>
        Raw = 0,
        /// <summary>DICOMweb STOW-RS, multipart/related; type="application/dicom", -BatchSize files per request.</summary>
        StowRs = 1,
        /// <summary>Every file in one ZIP, one request.</summary>
        Archive = 2,
    }

    /// <summary>What the server behind -Atomic guarantees.</summary>
    public enum UploadServerKind
    {
        /// <summary>Ask the server: an Orthanc answers GET /system with its ApiVersion.</summary>
        Auto = 0,
        /// <summary>Orthanc: stores what it can, so -Atomic verifies the answer and deletes what the request stored.</summary>
        Orthanc = 1,
        /// <summary>The endpoint stores all files or none (the reference lab server's archive endpoint).</summary>
        AllOrNothing = 2,
    }

    /// <summary>What happened to one file.</summary>
    public enum UploadStatus
    {
        Stored = 0,
        /// <summary>The server already had this instance and kept its copy.</summary>
        AlreadyStored = 1,
        Failed = 2,
        /// <summary>-WhatIf: nothing was sent.</summary>
        WhatIf = 3,
    }

    internal static class UploadEnums
    {
        public static EngineUpload.UploadProtocol ToEngine(UploadProtocol value) => value switch
        {
            UploadProtocol.Raw => EngineUpload.UploadProtocol.Raw,
            UploadProtocol.StowRs => EngineUpload.UploadProtocol.StowRs,
            UploadProtocol.Archive => EngineUpload.UploadProtocol.Archive,
            _ => throw new ArgumentOutOfRangeException(nameof(value), value, null),
        };

        public static EngineUpload.UploadServerKind ToEngine(UploadServerKind value) => value switch
        {
            UploadServerKind.Auto => EngineUpload.UploadServerKind.Auto,
            UploadServerKind.Orthanc => EngineUpload.UploadServerKind.Orthanc,
            UploadServerKind.AllOrNothing => EngineUpload.UploadServerKind.AllOrNothing,
            _ => throw new ArgumentOutOfRangeException(nameof(value), value, null),
        };

        public static UploadStatus FromEngine(EngineUpload.UploadStatus value) => value switch
        {
            EngineUpload.UploadStatus.Stored => UploadStatus.Stored,
            EngineUpload.UploadStatus.AlreadyStored => UploadStatus.AlreadyStored,
            EngineUpload.UploadStatus.Failed => UploadStatus.Failed,
            EngineUpload.UploadStatus.WhatIf => UploadStatus.WhatIf,
            _ => throw new ArgumentOutOfRangeException(nameof(value), value, null),
        };
    }
}
