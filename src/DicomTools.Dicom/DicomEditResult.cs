using System;
using System.Collections.Generic;

namespace DicomTools.Dicom
{
    /// <summary>What <see cref="DicomFileEditor.Edit"/> did to one file.</summary>
    public sealed class DicomEditResult
    {
        /// <summary>A result; the editor makes these.</summary>
        public DicomEditResult(string sourcePath, string outputPath, string? sopInstanceUid, bool written, IReadOnlyList<DicomTagChange> changes)
        { SourcePath = sourcePath; OutputPath = outputPath; SopInstanceUid = sopInstanceUid; Written = written; Changes = changes; }
        /// <summary>The file that was read.</summary>
        public string SourcePath { get; }
        /// <summary>The edited file: the source itself, or the destination.</summary>
        public string OutputPath { get; }
        /// <summary>The SOP Instance UID (0008,0018) after the edit; null when the file has none.</summary>
        public string? SopInstanceUid { get; }
        /// <summary>False when nothing needed to change (nothing was written) or on a dry run.</summary>
        public bool Written { get; }
        /// <summary>Only the elements whose value really changes.</summary>
        public IReadOnlyList<DicomTagChange> Changes { get; }
    }

    /// <summary>What <see cref="DicomFileEditor.Stage"/> prepared: the result the edit will have, and the new version waiting
    /// to replace the file (null when nothing is to be written).</summary>
    public sealed class DicomStagedEdit
    {
        /// <summary>A staged edit; the editor makes these.</summary>
        public DicomStagedEdit(DicomEditResult result, IO.StagedReplacement? replacement)
        { Result = result ?? throw new ArgumentNullException(nameof(result)); Replacement = replacement; }
        /// <summary>What the edit does once <see cref="Replacement"/> (if any) is committed.</summary>
        public DicomEditResult Result { get; }
        /// <summary>The new version, complete and not yet flushed nor renamed: commit it (<see cref="IO.GroupCommitter"/>,
        /// <see cref="IO.SafeFileReplacer.Commit(IO.StagedReplacement)"/>) or dispose it to leave the file as it was.</summary>
        public IO.StagedReplacement? Replacement { get; }
    }
}
