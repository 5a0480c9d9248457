using System;

namespace DicomTools.Dicom
{
    /// <summary>
    /// What to do when a new value is outside the dataset's character repertoire (PS3.5 §6.1), e.g.
    /// <c>Clínica Veterinária São João</c> into a file with no (0008,0005) Specific Character Set (ASCII only).
    /// A value is never written as mojibake or with '?' substitutes: it is either represented exactly or refused.
    /// <para>A value that the current set can carry is simply encoded in it (Latin-1 text stays Latin-1 in an
    /// ISO_IR 100 file). In an ISO 2022 dataset (code extensions), new values are written only when they need no
    /// escape sequence (the first value's G0/G1 sets); anything else takes the policy below.</para>
    /// </summary>
    public enum CharacterSetPolicy
    {
        /// <summary>
        /// Default. Set (0008,0005) to <c>ISO_IR 192</c> (UTF-8) and transcode every existing text element of the
        /// dataset — top level and inside sequence items at any depth — whose VR follows the character set:
        /// SH, LO, ST, LT, UT, PN and UC. Other VRs (CS, UI, DA, AE, ...) are in the default repertoire and are not
        /// touched. ASCII-only values keep their bytes; others are decoded from the old set (ISO 2022 escapes
        /// included) and re-encoded in UTF-8, with lengths of defined-length sequences/items and group lengths
        /// recomputed. Stray 8-bit bytes in a file with no (0008,0005) are read as ISO 8859-1, as most viewers do.
        /// The change of (0008,0005) is reported as one of the edit's changes.
        /// </summary>
        ConvertToUtf8 = 0,
        /// <summary>Refuse the edit with <see cref="DicomCharacterSetException"/>.</summary>
        Refuse = 1,
    }
}
