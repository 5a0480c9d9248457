// Building new files (tests, the demo's sample images, the benchmark corpus). Contract first; see Contract.cs.
using System;
using System.Collections.Generic;

namespace DicomTools.Dicom
{
    /// <summary>An in-memory dataset for writing new files; values are small by nature here.</summary>
    public sealed class DicomDatasetBuilder
    {
        /// <summary>A text, number or UID value (multiple values separated by '\'); encoded per the builder's character set.</summary>
        public DicomDatasetBuilder Add(DicomTag tag, string vr, string value) => throw new NotImplementedException();
        /// <summary>Raw value bytes (OB, OW, UN, FL, US, ...), already in the target byte order's little-endian form.</summary>
        public DicomDatasetBuilder AddBinary(DicomTag tag, string vr, byte[] value) => throw new NotImplementedException();
        /// <summary>A sequence; <paramref name="undefinedLength"/> writes undefined-length sequence and items.</summary>
        public DicomDatasetBuilder AddSequence(DicomTag tag, IEnumerable<DicomDatasetBuilder> items, bool undefinedLength = false) => throw new NotImplementedException();
        /// <summary>Encapsulated pixel data: an offset table (may be empty) and fragments, passed as is.</summary>
        public DicomDatasetBuilder AddEncapsulatedPixelData(byte[] basicOffsetTable, IEnumerable<byte[]> fragments) => throw new NotImplementedException();
    }

    public sealed class DicomWriteOptions
    {
        /// <summary>False writes a bare dataset with no preamble and no File Meta (old-style files).</summary>
        public bool WritePart10Header { get; set; } = true;
        /// <summary>Implementation Class UID written in the File Meta.</summary>
        public string ImplementationClassUid { get; set; } = "1.2.826.0.1.3680043.10.1234.1";
    }

    public static class DicomFileWriter
    {
        /// <summary>Writes the dataset in the given transfer syntax; File Meta is made from SOPClassUID/SOPInstanceUID.</summary>
        public static void Write(string path, DicomDatasetBuilder dataset, string transferSyntaxUid, DicomWriteOptions? options = null) => throw new NotImplementedException();
    }
}
