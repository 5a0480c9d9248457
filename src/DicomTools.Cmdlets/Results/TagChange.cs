using DicomTools.Dicom;

namespace DicomTools.Cmdlets
{
    /// <summary>
    /// One element's value before and after Set-DicomTags, with the tag and path as text ("(0010,0020)"), so the
    /// result reads the same in a table, a CSV cell and JSON (where the codec's <see cref="DicomTag"/> would be an
    /// object of numbers).
    /// </summary>
    public sealed class TagChange
    {
        private readonly string _text;

        internal TagChange(DicomTagChange change)
        {
            Tag = change.Tag.ToString();
            Path = change.Path.ToString();
            Keyword = change.Keyword;
            VR = change.VR;
            OldValue = change.OldValue;
            NewValue = change.NewValue;
            _text = change.ToString();
        }

        /// <summary>"(gggg,eeee)".</summary>
        public string Tag { get; }
        /// <summary>Where the element is: the tag at top level, e.g. "(0040,0275)[0].(0040,0009)" inside an item.</summary>
        public string Path { get; }
        /// <summary>The dictionary keyword ("" for private and unknown tags).</summary>
        public string Keyword { get; }
        /// <summary>The VR written (or, for a removal, the VR the element had).</summary>
        public string VR { get; }
        /// <summary>Null when the element was absent.</summary>
        public string? OldValue { get; }
        /// <summary>Null when the element is removed.</summary>
        public string? NewValue { get; }

        /// <summary>"PatientID: P-37700 → ref0000022tes-cbc-001".</summary>
        public override string ToString() => _text;
    }
}
