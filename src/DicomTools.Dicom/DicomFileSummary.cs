using System;

namespace DicomTools.Dicom
{
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
