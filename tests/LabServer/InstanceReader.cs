using DicomTools.Dicom;

namespace DicomTools.LabServer;

/// <summary>The identifying UIDs of one received file.</summary>
public sealed record InstanceSummary(string? SopClassUid, string SopInstanceUid, string? StudyInstanceUid, string? SeriesInstanceUid, string PatientId);

/// <summary>A received body that is not a storable DICOM file; the message says why.</summary>
public sealed class InvalidInstanceException : Exception
{
    public InvalidInstanceException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>How the server reads a received file. One small seam so the server does not depend on how.</summary>
internal interface IInstanceReader
{
    /// <exception cref="InvalidInstanceException">not DICOM, damaged, or without a SOP Instance UID.</exception>
    InstanceSummary Read(string path);
}

/// <summary>Reads the identity with the project's codec (DicomFileReader.ReadSummary), stopping after the UIDs.</summary>
internal sealed class CodecInstanceReader : IInstanceReader
{
    public InstanceSummary Read(string path)
    {
        DicomFileSummary summary;
        try
        {
            summary = DicomFileReader.ReadSummary(path);
        }
        catch (DicomFormatException e)
        {
            throw new InvalidInstanceException($"not a readable DICOM file: {e.Message} (offset {e.Offset})", e);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidInstanceException("not a readable DICOM file: it is truncated", e);
        }
        if (string.IsNullOrEmpty(summary.SopInstanceUid))
            throw new InvalidInstanceException("the dataset has no SOP Instance UID (0008,0018)");
        return new InstanceSummary(summary.SopClassUid, summary.SopInstanceUid, summary.StudyInstanceUid, summary.SeriesInstanceUid, summary.PatientId ?? "");
    }
}
