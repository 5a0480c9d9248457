namespace DicomTools.Dicom
{
    /// <summary>One element's value before and after an edit.</summary>
    public sealed class DicomTagChange
    {
        /// <summary>A change of a top-level element.</summary>
        public DicomTagChange(DicomTag tag, string keyword, string vr, string? oldValue, string? newValue)
            : this(new DicomTagPath(tag), keyword, vr, oldValue, newValue) { }

        /// <summary>A change of an element anywhere, by path.</summary>
        public DicomTagChange(DicomTagPath path, string keyword, string vr, string? oldValue, string? newValue)
        { Path = path; Keyword = keyword; VR = vr; OldValue = oldValue; NewValue = newValue; }

        /// <summary>The element's tag.</summary>
        public DicomTag Tag => Path.Tag;

        /// <summary>Where the element is; a top-level tag for top-level edits.</summary>
        public DicomTagPath Path { get; }

        /// <summary>The dictionary keyword ("" for private and unknown tags).</summary>
        public string Keyword { get; }

        /// <summary>The VR written (or, for a removal, the VR the element had).</summary>
        public string VR { get; }

        /// <summary>Null when the element was absent.</summary>
        public string? OldValue { get; }

        /// <summary>Null when the element is removed.</summary>
        public string? NewValue { get; }

        /// <summary>
        /// "PatientID: P-37700 → ref0000022tes-cbc-001": the keyword (the tag for private elements, the path inside
        /// sequence items), the old value ("(absent)") and the new one ("(removed)").
        /// </summary>
        public override string ToString()
        {
            var name = !Path.IsTopLevel ? Path.ToString() : Keyword.Length > 0 ? Keyword : Tag.ToString();
            return name + ": " + (OldValue ?? "(absent)") + " \u2192 " + (NewValue ?? "(removed)");
        }
    }
}
