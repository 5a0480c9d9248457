using System;

namespace DicomTools.Dicom
{
    /// <summary>How <see cref="DicomFileEditor.Edit"/> writes its result.</summary>
    public sealed class DicomEditOptions
    {
        /// <summary>Write the result here instead of replacing the source (null: replace in place).</summary>
        public string? DestinationPath { get; set; }
        /// <summary>Compute and validate the changes, write nothing.</summary>
        public bool DryRun { get; set; }
        /// <summary>What to do with a value the file's character set cannot carry (default: convert the dataset to UTF-8).</summary>
        public CharacterSetPolicy CharacterSetPolicy { get; set; } = CharacterSetPolicy.ConvertToUtf8;
        /// <summary>Flush the new file to disk before it replaces the old one (crash safety). Tests may turn it off.</summary>
        public bool FlushToDisk { get; set; } = true;
        /// <summary>Replace a read-only file too (its mode is kept); off: it is refused with <see cref="IO.ReadOnlyFileException"/>.</summary>
        public bool OverwriteReadOnly { get; set; }
        /// <summary>Before writing, remove the target's temporary files left by a killed edit (default). Off for a caller that
        /// swept the folder once itself (<see cref="IO.SafeFileReplacer.RemoveStaleTemporaryFilesIn"/>).</summary>
        public bool SweepStaleTemporaryFiles { get; set; } = true;
        /// <summary>Called with the real folder (links resolved) the new file is about to be written in, only when a file is
        /// written: a caller that sweeps each folder once uses it instead of resolving every path itself.</summary>
        public System.Action<string>? PreparingFolder { get; set; }
        /// <summary>How the untouched tail after the last edited element reaches the new file (null: in the kernel where the
        /// system can); tests inject a counting or buffer-only copier.</summary>
        internal IO.FileRangeCopier? TailCopier { get; set; }

        /// <summary>
        /// Told what was odd but editable in the file (a misspelt character set term, for instance) and what was cleaned up
        /// around it (a temporary file left by a killed edit). Called on the editing thread; null ignores such warnings.
        /// </summary>
        public System.Action<string>? Warning { get; set; }
    }
}
