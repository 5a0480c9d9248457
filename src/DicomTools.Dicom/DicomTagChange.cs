using System;

namespace DicomTools.Dicom
{
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
}
