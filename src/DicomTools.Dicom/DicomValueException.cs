using System;

namespace DicomTools.Dicom
{
    /// <summary>A value that the tag's VR does not allow: names the tag, VR, rule and the value's length.</summary>
    public class DicomValueException : ArgumentException
    {
        /// <summary>A value refused for <paramref name="tag"/> by <paramref name="rule"/> (e.g. "max-length", "single-valued").</summary>
        public DicomValueException(string message, DicomTag tag, string vr, string rule)
            : base(message) { Tag = tag; VR = vr; Rule = rule; }
        /// <summary>The element whose value was refused.</summary>
        public DicomTag Tag { get; }
        /// <summary>The VR the value was checked against ("" when unknown).</summary>
        public string VR { get; }
        /// <summary>A stable name of the rule broken, e.g. "max-length", "not-editable", "item-missing".</summary>
        public string Rule { get; }
    }
}
