using System;
using System.Collections.Generic;
using System.Linq;
using DicomTools.Dicom;
using DicomTools.Engine.Output;

namespace DicomTools.Cmdlets
{
    /// <summary>What Set-DicomTags did to one file.</summary>
    public enum TagUpdateStatus
    {
        /// <summary>Values changed and the file (or its copy under -Destination) was written.</summary>
        Updated,
        /// <summary>Every value was already right: nothing was written (under -Destination, the copy is identical to the source).</summary>
        Unchanged,
        /// <summary>-WhatIf: <see cref="TagUpdateResult.Changes"/> lists what would change; nothing was written.</summary>
        WhatIf,
        /// <summary>-Confirm was answered No: the file was not examined or touched.</summary>
        Skipped,
        /// <summary>The file could not be edited (an error record says why); it was left byte-identical.</summary>
        Failed,
    }

    /// <summary>One file's outcome from Set-DicomTags; binds to -LiteralPath of the next cmdlet through PSPath.</summary>
    public sealed class TagUpdateResult
    {
        internal const string FileSystemProviderPrefix = @"Microsoft.PowerShell.Core\FileSystem::";

        public TagUpdateResult(string path, string sourcePath, string? sopInstanceUid, TagUpdateStatus status, IReadOnlyList<DicomTagChange> changes, string? error)
        {
            Path = path;
            SourcePath = sourcePath;
            SopInstanceUid = sopInstanceUid;
            Status = status;
            Changes = new JoinedList<TagChange>((changes ?? Array.Empty<DicomTagChange>()).Select(change => new TagChange(change)));
            Error = error;
        }

        /// <summary>The edited file: the copy under -Destination when one was given, else the file itself.</summary>
        public string Path { get; }

        /// <summary>The file as it came in.</summary>
        public string SourcePath { get; }

        /// <summary>The provider-qualified <see cref="Path"/>, so the result pipes into -LiteralPath (alias PSPath).</summary>
        public string PSPath => FileSystemProviderPrefix + Path;

        public string Name => System.IO.Path.GetFileName(Path);

        /// <summary>(0008,0018); null when the file could not be read.</summary>
        public string? SopInstanceUid { get; }

        public TagUpdateStatus Status { get; }

        /// <summary>
        /// The elements whose value changed (or would, under -WhatIf); printed (Export-Csv, "$r.Changes") as
        /// "PatientID: old → new; ...".
        /// </summary>
        public IReadOnlyList<TagChange> Changes { get; }

        /// <summary>Why the file failed; the error record has the details.</summary>
        public string? Error { get; }

        public override string ToString() => Path;
    }
}
