using DicomTools.Dicom;
using DicomTools.Engine.Output;

namespace DicomTools.Cmdlets
{
    /// <summary>
    /// One element of a file, as Get-DicomTag reads it. Carries the file's PSPath, so it pipes into Set-DicomTags,
    /// Send-DicomFile, Copy-Item and Remove-Item by property name (the file, not the element, is what they act on).
    /// </summary>
    public sealed class DicomTagValue
    {
        public DicomTagValue(string path, DicomElementInfo element)
        {
            Path = path;
            Tag = element.Tag.ToString();
            Keyword = element.Keyword;
            VR = element.VR;
            Value = DicomTypedValue.Of(element);
            RawValue = element.DisplayValue;
            Length = element.Length;
            Depth = element.Depth;
            ParentPath = element.ParentPath;
            Offset = element.Offset;
        }

        /// <summary>The file.</summary>
        public string Path { get; }
        /// <summary>The provider-qualified <see cref="Path"/>: binds to -LiteralPath (alias PSPath) of the next cmdlet.</summary>
        public string PSPath => TagUpdateResult.FileSystemProviderPrefix + Path;
        public string Name => System.IO.Path.GetFileName(Path);
        /// <summary>"(gggg,eeee)" as dcmdump prints it.</summary>
        public string Tag { get; }
        /// <summary>The dictionary keyword; empty for private and unknown tags.</summary>
        public string Keyword { get; }
        public string VR { get; }
        /// <summary>
        /// The value, typed where the VR says so: integers (IS, US, SS, UL, SL), doubles (DS, FL, FD), [datetime] (DA,
        /// DT), [timespan] (TM), a list for several values; otherwise, or when the text does not parse, the same text
        /// as <see cref="RawValue"/>.
        /// </summary>
        public object? Value { get; }
        /// <summary>Decoded text (per the file's character set), several values separated by '\'; a short summary for binary values and sequences.</summary>
        public string? RawValue { get; }
        /// <summary>Value length in bytes; -1 for undefined length.</summary>
        public long Length { get; }
        /// <summary>0 at top level, 1 inside a sequence item, ...</summary>
        public int Depth { get; }
        /// <summary>"" at top level, e.g. "(0040,0275)[0]" inside an item.</summary>
        public string ParentPath { get; }
        /// <summary>Byte offset of the element's tag in the (inflated) stream.</summary>
        public long Offset { get; }

        /// <summary>"(0010,0020) PatientID P-37700".</summary>
        public override string ToString() => Tag + " " + Keyword + " " + RawValue;
    }
}
