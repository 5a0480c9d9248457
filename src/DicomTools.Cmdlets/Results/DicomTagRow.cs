using System.Collections.Generic;
using System.Management.Automation;
using DicomTools.Dicom;

namespace DicomTools.Cmdlets
{
    /// <summary>
    /// Get-DicomTag -AsRow: one object per file, one property per element, so Export-Csv writes one tidy row per file.
    /// Built as a PSObject because its properties are the tags the user asked for.
    /// </summary>
    internal static class DicomTagRow
    {
        /// <summary>The PowerShell type name of a row (for format data and for scripts that test it).</summary>
        public const string TypeName = "DicomTools.DicomTagRow";

        /// <summary>
        /// The column of a tag: its keyword, or "(gggg,eeee)" for private and unknown tags (the form -Tag takes and
        /// Get-DicomTag prints, so a column reads back as a -Tag value).
        /// </summary>
        public static string ColumnName(DicomTag tag)
        {
            var keyword = DicomDictionary.KeywordOf(tag);
            return keyword.Length > 0 ? keyword : tag.ToString();
        }

        /// <summary>
        /// The row of one file: the <paramref name="columns"/> asked for, in that order (null where the file lacks
        /// the element), or every element read when none were asked for; then Path and PSPath.
        /// </summary>
        public static PSObject Create(string path, IReadOnlyList<DicomTag>? columns, IEnumerable<DicomTagValue> elements)
        {
            var row = new PSObject();
            row.TypeNames.Insert(0, TypeName);
            var byTag = new Dictionary<string, DicomTagValue>();
            var inFileOrder = new List<DicomTagValue>();
            foreach (var element in elements)
            {
                if (byTag.ContainsKey(element.Tag)) continue;
                byTag.Add(element.Tag, element);
                inFileOrder.Add(element);
            }
            if (columns != null)
            {
                foreach (var tag in columns)
                    row.Properties.Add(new PSNoteProperty(ColumnName(tag), byTag.TryGetValue(tag.ToString(), out var found) ? found.Value : null));
            }
            else
            {
                foreach (var element in inFileOrder)
                    row.Properties.Add(new PSNoteProperty(element.Keyword.Length > 0 ? element.Keyword : element.Tag, element.Value));
            }
            row.Properties.Add(new PSNoteProperty("Path", path));
            row.Properties.Add(new PSNoteProperty("PSPath", TagUpdateResult.FileSystemProviderPrefix + path));
            return row;
        }
    }
}
