using System;

namespace DicomTools.Dicom
{
    /// <summary>
    /// One requested change: set or remove an element, at the top level (<see cref="Set(DicomTag, string, string)"/>) or
    /// inside a sequence item (<see cref="Set(DicomTagPath, string, string)"/>).
    /// </summary>
    public sealed class DicomEdit
    {
        private DicomEdit(DicomTagPath path, string? value, string? vr, bool remove) { Path = path; Value = value; VR = vr; IsRemove = remove; }

        /// <summary>The element's own tag (for a nested edit, the last step of <see cref="Path"/>).</summary>
        public DicomTag Tag => Path.Tag;

        /// <summary>Where the element is: a top-level tag, or steps through sequence items.</summary>
        public DicomTagPath Path { get; }

        /// <summary>True when the element is inside a sequence item.</summary>
        public bool IsNested => !Path.IsTopLevel;

        /// <summary>The new value as text (multiple values separated by '\').</summary>
        public string? Value { get; }

        /// <summary>The VR to write; null takes the existing element's (or the dictionary's).</summary>
        public string? VR { get; }

        /// <summary>True when the element is to be removed.</summary>
        public bool IsRemove { get; }

        /// <summary>Sets a top-level element (added when absent).</summary>
        public static DicomEdit Set(DicomTag tag, string value, string? vr = null) => Set(new DicomTagPath(tag), value, vr);

        /// <summary>Removes a top-level element (nothing happens when absent).</summary>
        public static DicomEdit Remove(DicomTag tag) => Remove(new DicomTagPath(tag));

        /// <summary>
        /// Sets an element by path, e.g. <c>(0040,0275)[0].(0040,0009)</c>. The item must exist; the element is added to
        /// it when absent. Lengths of the enclosing defined-length items and sequences, and group lengths, are recomputed.
        /// </summary>
        public static DicomEdit Set(DicomTagPath path, string value, string? vr = null) =>
            new DicomEdit(path ?? throw new ArgumentNullException(nameof(path)), value ?? throw new ArgumentNullException(nameof(value)), vr, false);

        /// <summary>Removes an element by path (the item must exist; nothing happens when the element is absent).</summary>
        public static DicomEdit Remove(DicomTagPath path) => new DicomEdit(path ?? throw new ArgumentNullException(nameof(path)), null, null, true);
    }
}
