using System;

namespace DicomTools.Dicom
{
    /// <summary>Key facts of a file, read without touching pixel data.</summary>
    public sealed class DicomFileSummary
    {
        /// <summary>A summary; <see cref="DicomFileReader.ReadSummary(string)"/> makes these.</summary>
        public DicomFileSummary(string path, string transferSyntaxUid, bool hasPreamble, string? sopClassUid, string? sopInstanceUid, string? studyInstanceUid, string? seriesInstanceUid, string? patientId)
        { Path = path; TransferSyntaxUid = transferSyntaxUid; HasPreamble = hasPreamble; SopClassUid = sopClassUid; SopInstanceUid = sopInstanceUid; StudyInstanceUid = studyInstanceUid; SeriesInstanceUid = seriesInstanceUid; PatientId = patientId; }
        /// <summary>The file read ("" when read from a stream).</summary>
        public string Path { get; }
        /// <summary>The transfer syntax UID from File Meta, or the one guessed for a bare dataset (see <see cref="DicomTransferSyntax.FromUid"/>).</summary>
        public string TransferSyntaxUid { get; }
        /// <summary>True when the file starts with the 128-byte preamble and "DICM".</summary>
        public bool HasPreamble { get; }
        /// <summary>(0008,0016) SOP Class UID, else File Meta's (0002,0002).</summary>
        public string? SopClassUid { get; }
        /// <summary>(0008,0018) SOP Instance UID, else File Meta's (0002,0003).</summary>
        public string? SopInstanceUid { get; }
        /// <summary>(0020,000D) Study Instance UID.</summary>
        public string? StudyInstanceUid { get; }
        /// <summary>(0020,000E) Series Instance UID.</summary>
        public string? SeriesInstanceUid { get; }
        /// <summary>(0010,0020) Patient ID.</summary>
        public string? PatientId { get; }
    }
}
