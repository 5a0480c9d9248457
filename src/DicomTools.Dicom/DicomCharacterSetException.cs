using System;

namespace DicomTools.Dicom
{
    /// <summary>A value that the dataset's character set cannot carry, when re-encoding is not allowed.</summary>
    public class DicomCharacterSetException : DicomValueException
    {
        /// <summary>The value for <paramref name="tag"/> cannot be encoded in the character set that applies.</summary>
        public DicomCharacterSetException(string message, DicomTag tag, string vr)
            : base(message, tag, vr, "character-repertoire") { }
    }
}
