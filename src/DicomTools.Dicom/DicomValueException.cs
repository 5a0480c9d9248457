using System;

namespace DicomTools.Dicom
{
    /// <summary>A value that the tag's VR does not allow: names the tag, VR, rule and the value's length.</summary>
    public class DicomValueException : ArgumentException
    {
        public DicomValueException(string message, DicomTag tag, string vr, string rule)
            : base(message) { Tag = tag; VR = vr; Rule = rule; }
        public DicomTag Tag { get; }
        public string VR { get; }
        public string Rule { get; }
    }
}
