using System;
using System.Collections.Generic;

namespace DicomTools.Dicom
{
    public sealed class DicomEditResult
    {
        public DicomEditResult(string sourcePath, string outputPath, string? sopInstanceUid, bool written, IReadOnlyList<DicomTagChange> changes)
        { SourcePath = sourcePath; OutputPath = outputPath; SopInstanceUid = sopInstanceUid; Written = written; Changes = changes; }
        public string SourcePath { get; }
        /// <summary>The edited file: the source itself, or the destination.</summary>
        public string OutputPath { get; }
        public string? SopInstanceUid { get; }
        /// <summary>False when nothing needed to change (nothing was written) or on a dry run.</summary>
        public bool Written { get; }
        /// <summary>Only the elements whose value really changes.</summary>
        public IReadOnlyList<DicomTagChange> Changes { get; }
    }
}
