using System;

namespace DicomTools.Dicom
{
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
}
