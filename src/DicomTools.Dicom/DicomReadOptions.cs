using System.Collections.Generic;

namespace DicomTools.Dicom
{
    /// <summary>What <see cref="DicomFileReader.ReadElements(string, DicomReadOptions)"/> reports.</summary>
    public sealed class DicomReadOptions
    {
        /// <summary>Descend into sequence items.</summary>
        public bool IncludeSequences { get; set; }

        /// <summary>Stop once every top-level tag here was passed (reads only what it must); null reads all.</summary>
        public IReadOnlyCollection<DicomTag>? Tags { get; set; }

        /// <summary>Include File Meta (group 0002) elements.</summary>
        public bool IncludeFileMeta { get; set; } = true;

        /// <summary>
        /// Also read the bytes of binary values (OB, OW, UN, OF, ...) up to 64 KiB, for <see cref="DicomElementInfo.GetBytes"/>.
        /// Off by default: such values are usually bulk data and are skipped without being read.
        /// </summary>
        public bool IncludeBinaryValues { get; set; }

        /// <summary>
        /// Told what was odd but readable (a misspelt character set term, for instance), once per occurrence.
        /// Called on the reading thread; null ignores such warnings.
        /// </summary>
        public System.Action<string>? Warning { get; set; }
    }
}
