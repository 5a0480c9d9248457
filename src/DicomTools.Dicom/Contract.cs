// The codec's public surface, agreed before it is built so that the cmdlets can be written
// against it at the same time. Bodies throw until the codec lands; signatures are the contract.
using System;
using System.Collections.Generic;

namespace DicomTools.Dicom
{
    /// <summary>One entry of the DICOM data dictionary (PS3.6).</summary>
    public sealed class DicomDictionaryEntry
    {
        public DicomDictionaryEntry(DicomTag tag, string keyword, string name, string vr, string vm, bool retired)
        {
            Tag = tag; Keyword = keyword; Name = name; VR = vr; VM = vm; Retired = retired;
        }
        public DicomTag Tag { get; }
        public string Keyword { get; }
        public string Name { get; }
        /// <summary>Two-letter VR; for multi-VR entries ("US or SS") the first one.</summary>
        public string VR { get; }
        public string VM { get; }
        public bool Retired { get; }
    }

    /// <summary>A file that is not DICOM, or is damaged: says where.</summary>
    public class DicomFormatException : Exception
    {
        public DicomFormatException(string message, long offset, string? path = null, Exception? inner = null)
            : base(message, inner) { Offset = offset; Path = path; }
        /// <summary>Byte offset in the (inflated, for deflated files) stream where the problem was found.</summary>
        public long Offset { get; }
        public string? Path { get; }
    }

    /// <summary>A value that the tag's VR does not allow: names the tag, VR, rule and the value's length.</summary>
    public class DicomValueException : ArgumentException
    {
        public DicomValueException(string message, DicomTag tag, string vr, string rule)
            : base(message) { Tag = tag; VR = vr; Rule = rule; }
        public DicomTag Tag { get; }
        public string VR { get; }
        public string Rule { get; }
    }

    /// <summary>A value that the dataset's character set cannot carry, when re-encoding is not allowed.</summary>
    public class DicomCharacterSetException : DicomValueException
    {
        public DicomCharacterSetException(string message, DicomTag tag, string vr)
            : base(message, tag, vr, "character-repertoire") { }
    }

    /// <summary>One requested change to a top-level element.</summary>
    public sealed class DicomEdit
    {
        private DicomEdit(DicomTag tag, string? value, string? vr, bool remove) { Tag = tag; Value = value; VR = vr; IsRemove = remove; }
        public DicomTag Tag { get; }
        /// <summary>The new value as text (multiple values separated by '\').</summary>
        public string? Value { get; }
        /// <summary>The VR to write; null takes the dictionary's (or the existing element's).</summary>
        public string? VR { get; }
        public bool IsRemove { get; }
        public static DicomEdit Set(DicomTag tag, string value, string? vr = null) => new DicomEdit(tag, value ?? throw new ArgumentNullException(nameof(value)), vr, false);
        public static DicomEdit Remove(DicomTag tag) => new DicomEdit(tag, null, null, true);
    }

    /// <summary>
    /// What to do when a new value is outside the dataset's character repertoire (PS3.5 §6.1), e.g.
    /// <c>Clínica Veterinária São João</c> into a file with no (0008,0005) Specific Character Set (ASCII only).
    /// A value is never written as mojibake or with '?' substitutes: it is either represented exactly or refused.
    /// <para>A value that the current set can carry is simply encoded in it (Latin-1 text stays Latin-1 in an
    /// ISO_IR 100 file). In an ISO 2022 dataset (code extensions), new values are written only when they need no
    /// escape sequence (the first value's G0/G1 sets); anything else takes the policy below.</para>
    /// </summary>
    public enum CharacterSetPolicy
    {
        /// <summary>
        /// Default. Set (0008,0005) to <c>ISO_IR 192</c> (UTF-8) and transcode every existing text element of the
        /// dataset — top level and inside sequence items at any depth — whose VR follows the character set:
        /// SH, LO, ST, LT, UT, PN and UC. Other VRs (CS, UI, DA, AE, ...) are in the default repertoire and are not
        /// touched. ASCII-only values keep their bytes; others are decoded from the old set (ISO 2022 escapes
        /// included) and re-encoded in UTF-8, with lengths of defined-length sequences/items and group lengths
        /// recomputed. Stray 8-bit bytes in a file with no (0008,0005) are read as ISO 8859-1, as most viewers do.
        /// The change of (0008,0005) is reported as one of the edit's changes.
        /// </summary>
        ConvertToUtf8 = 0,
        /// <summary>Refuse the edit with <see cref="DicomCharacterSetException"/>.</summary>
        Refuse = 1,
    }

    public sealed class DicomEditOptions
    {
        /// <summary>Write the result here instead of replacing the source (null: replace in place).</summary>
        public string? DestinationPath { get; set; }
        /// <summary>Compute and validate the changes, write nothing.</summary>
        public bool DryRun { get; set; }
        public CharacterSetPolicy CharacterSetPolicy { get; set; } = CharacterSetPolicy.ConvertToUtf8;
        /// <summary>Flush the new file to disk before it replaces the old one (crash safety). Tests may turn it off.</summary>
        public bool FlushToDisk { get; set; } = true;
    }

    /// <summary>One element's value before and after an edit.</summary>
    public sealed class DicomTagChange
    {
        public DicomTagChange(DicomTag tag, string keyword, string vr, string? oldValue, string? newValue)
        { Tag = tag; Keyword = keyword; VR = vr; OldValue = oldValue; NewValue = newValue; }
        public DicomTag Tag { get; }
        public string Keyword { get; }
        public string VR { get; }
        /// <summary>Null when the element was absent.</summary>
        public string? OldValue { get; }
        /// <summary>Null when the element is removed.</summary>
        public string? NewValue { get; }
    }

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


    /// <summary>One element as read: for Get-DicomTag and checks.</summary>
    public sealed class DicomElementInfo
    {
        public DicomElementInfo(DicomTag tag, string keyword, string vr, long length, long offset, int depth, string? value, string parentPath)
        { Tag = tag; Keyword = keyword; VR = vr; Length = length; Offset = offset; Depth = depth; Value = value; ParentPath = parentPath; }
        public DicomTag Tag { get; }
        /// <summary>Dictionary keyword, or "" for private/unknown tags.</summary>
        public string Keyword { get; }
        public string VR { get; }
        /// <summary>Value length in bytes; -1 for undefined length.</summary>
        public long Length { get; }
        /// <summary>Offset of the element's tag in the (inflated) stream.</summary>
        public long Offset { get; }
        /// <summary>0 at top level, 1 inside a sequence item, ...</summary>
        public int Depth { get; }
        /// <summary>Decoded text (charset-aware) for text/number/UID VRs; a short summary for binary and sequences.</summary>
        public string? Value { get; }
        /// <summary>"" at top level, e.g. "(0040,0275)[0]" inside an item.</summary>
        public string ParentPath { get; }
    }

    public sealed class DicomReadOptions
    {
        /// <summary>Descend into sequence items.</summary>
        public bool IncludeSequences { get; set; }
        /// <summary>Stop once every top-level tag here was passed (reads only what it must); null reads all.</summary>
        public IReadOnlyCollection<DicomTag>? Tags { get; set; }
        /// <summary>Include File Meta (group 0002) elements.</summary>
        public bool IncludeFileMeta { get; set; } = true;
    }

    /// <summary>Key facts of a file, read without touching pixel data.</summary>
    public sealed class DicomFileSummary
    {
        public DicomFileSummary(string path, string transferSyntaxUid, bool hasPreamble, string? sopClassUid, string? sopInstanceUid, string? studyInstanceUid, string? seriesInstanceUid, string? patientId)
        { Path = path; TransferSyntaxUid = transferSyntaxUid; HasPreamble = hasPreamble; SopClassUid = sopClassUid; SopInstanceUid = sopInstanceUid; StudyInstanceUid = studyInstanceUid; SeriesInstanceUid = seriesInstanceUid; PatientId = patientId; }
        public string Path { get; }
        public string TransferSyntaxUid { get; }
        public bool HasPreamble { get; }
        public string? SopClassUid { get; }
        public string? SopInstanceUid { get; }
        public string? StudyInstanceUid { get; }
        public string? SeriesInstanceUid { get; }
        public string? PatientId { get; }
    }

}
