using DicomTools.Dicom;

namespace DicomTools.Cmdlets
{
    /// <summary>One element of a file, as Get-DicomTag reads it.</summary>
    public sealed class DicomTagValue
    {
        public DicomTagValue(string path, DicomElementInfo element)
        {
            Path = path;
            Tag = element.Tag.ToString();
            Keyword = element.Keyword;
            VR = element.VR;
            Value = element.DisplayValue;
            Length = element.Length;
            Depth = element.Depth;
            ParentPath = element.ParentPath;
            Offset = element.Offset;
        }

        /// <summary>The file.</summary>
        public string Path { get; }
        public string Name => System.IO.Path.GetFileName(Path);
        /// <summary>"(gggg,eeee)" as dcmdump prints it.</summary>
        public string Tag { get; }
        /// <summary>The dictionary keyword; empty for private and unknown tags.</summary>
        public string Keyword { get; }
        public string VR { get; }
        /// <summary>Decoded text (per the file's character set); a short summary for binary values and sequences.</summary>
        public string? Value { get; }
        /// <summary>Value length in bytes; -1 for undefined length.</summary>
        public long Length { get; }
        /// <summary>0 at top level, 1 inside a sequence item, ...</summary>
        public int Depth { get; }
        /// <summary>"" at top level, e.g. "(0040,0275)[0]" inside an item.</summary>
        public string ParentPath { get; }
        /// <summary>Byte offset of the element's tag in the (inflated) stream.</summary>
        public long Offset { get; }

        public override string ToString() => Tag + " " + Keyword + " " + Value;
    }
}
