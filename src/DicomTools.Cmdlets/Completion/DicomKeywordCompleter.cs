using System;
using System.Globalization;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using DicomTools.Dicom;

namespace DicomTools.Cmdlets.Completion
{
    /// <summary>
    /// Tab completion of DICOM keywords (and numeric tags) from the codec's data dictionary, for parameters that
    /// take tag names: <c>[ArgumentCompleter(typeof(DicomKeywordCompleter))]</c>. "Pati" offers PatientName,
    /// PatientID, ...; "(0010," offers the tags of group 0010. Retired keywords come after current ones. The
    /// tooltip shows tag, VR and the standard's name, so the user can tell PatientID from OtherPatientIDs.
    /// </summary>
    public class DicomKeywordCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
            string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var quote = QuoteOf(wordToComplete);
            var word = (wordToComplete ?? string.Empty).Trim('\'', '"');
            foreach (var entry in Match(word))
            {
                yield return new CompletionResult(
                    CompletionText(entry, quote), entry.Keyword, CompletionResultType.ParameterValue, ToolTip(entry));
            }
        }

        /// <summary>What the completion inserts for one entry; the keyword by default.</summary>
        protected virtual string CompletionText(DicomDictionaryEntry entry, char? quote) =>
            quote.HasValue ? quote.Value + entry.Keyword + quote.Value : entry.Keyword;

        internal static IEnumerable<DicomDictionaryEntry> Match(string word)
        {
            var byTag = word.StartsWith("(", StringComparison.Ordinal) || LooksHex(word);
            var tagPrefix = byTag ? word.TrimStart('(').Replace(",", string.Empty).Replace(")", string.Empty) : string.Empty;
            return DicomDictionary.Entries
                .Where(e => e.Keyword.Length > 0)
                .Where(e => byTag
                    ? e.Tag.Value.ToString("X8", CultureInfo.InvariantCulture).StartsWith(tagPrefix, StringComparison.OrdinalIgnoreCase)
                    : e.Keyword.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                .OrderBy(e => e.Retired)
                .ThenBy(e => byTag ? e.Tag.Value.ToString("X8", CultureInfo.InvariantCulture) : e.Keyword, StringComparer.OrdinalIgnoreCase);
        }

        // "0010" and "0010,00" start a numeric tag; a keyword always starts with a letter.
        private static bool LooksHex(string word) =>
            word.Length >= 4 && word.Take(4).All(Uri.IsHexDigit) && char.IsDigit(word[0]);

        private static char? QuoteOf(string? word) =>
            !string.IsNullOrEmpty(word) && (word![0] == '\'' || word[0] == '"') ? word[0] : (char?)null;

        private static string ToolTip(DicomDictionaryEntry entry) =>
            $"{FormatTag(entry.Tag)} {entry.VR} {entry.Name}{(entry.Retired ? " (retired)" : string.Empty)}";

        internal static string FormatTag(DicomTag tag) => $"({tag.Group:X4},{tag.Element:X4})";
    }

    /// <summary>
    /// For hashtable parameters that map tags to values (<c>Set-DicomTags -Tag</c>): completes a keyword into a
    /// ready-to-fill entry, <c>@{ PatientName = '' }</c>, because a bare keyword is not a valid value there.
    /// </summary>
    public sealed class DicomTagTableCompleter : DicomKeywordCompleter
    {
        protected override string CompletionText(DicomDictionaryEntry entry, char? quote) =>
            "@{ " + entry.Keyword + " = '' }";
    }
}
