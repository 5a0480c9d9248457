using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace DicomTools.Dicom
{
    /// <summary>
    /// The address of an element, possibly inside sequence items: <c>(0040,0275)[0].(0040,0009)</c>, or with keywords
    /// <c>RequestAttributesSequence[0].ScheduledProcedureStepID</c>. Every step but the last names a sequence and an
    /// item index (from 0); the last names the element. A single tag is a top-level path. The dots after "]" may be
    /// left out, so <see cref="DicomElementInfo.ParentPath"/> + "." + tag is a path.
    /// </summary>
    public sealed class DicomTagPath : IEquatable<DicomTagPath>
    {
        private readonly DicomTag[] _sequences;
        private readonly int[] _items;

        private DicomTagPath(DicomTag[] sequences, int[] items, DicomTag tag)
        {
            _sequences = sequences;
            _items = items;
            Tag = tag;
        }

        /// <summary>A top-level path.</summary>
        public DicomTagPath(DicomTag tag) : this(Array.Empty<DicomTag>(), Array.Empty<int>(), tag) { }

        /// <summary>The element's own tag (the last step).</summary>
        public DicomTag Tag { get; }

        /// <summary>Number of sequence items on the way: 0 for a top-level element.</summary>
        public int Depth => _sequences.Length;

        /// <summary>True for a top-level element.</summary>
        public bool IsTopLevel => _sequences.Length == 0;

        /// <summary>The sequence of step <paramref name="level"/> (0: the top-level sequence).</summary>
        public DicomTag SequenceAt(int level) => _sequences[level];

        /// <summary>The item index of step <paramref name="level"/>.</summary>
        public int ItemAt(int level) => _items[level];

        /// <summary>The path of the same element one item deeper: <c>this[item].tag</c> where this names a sequence.</summary>
        public DicomTagPath Append(int item, DicomTag tag)
        {
            if (item < 0) throw new ArgumentOutOfRangeException(nameof(item), "Item indexes start at 0.");
            var sequences = new DicomTag[_sequences.Length + 1];
            var items = new int[_items.Length + 1];
            Array.Copy(_sequences, sequences, _sequences.Length);
            Array.Copy(_items, items, _items.Length);
            sequences[_sequences.Length] = Tag;
            items[_items.Length] = item;
            return new DicomTagPath(sequences, items, tag);
        }

        /// <summary>Parses a path (see the type's summary); keywords are resolved by <see cref="DicomDictionary"/>.</summary>
        /// <exception cref="FormatException">A step is not a tag or keyword, an index is missing or not a number.</exception>
        public static DicomTagPath Parse(string text)
        {
            if (TryParse(text, out var path, out var error)) return path;
            throw new FormatException(error);
        }

        /// <summary>Parses a path; false (no exception) when it is not one.</summary>
        public static bool TryParse(string? text, out DicomTagPath path) => TryParse(text, out path, out _);

        private static bool TryParse(string? text, out DicomTagPath path, out string error)
        {
            path = null!;
            error = "'" + text + "' is not a tag path such as (0040,0275)[0].(0040,0009) or RequestAttributesSequence[0].ScheduledProcedureStepID.";
            if (string.IsNullOrWhiteSpace(text)) return false;
            var steps = SplitSteps(text!.Trim());
            if (steps == null) return false;
            var sequences = new DicomTag[steps.Count - 1];
            var items = new int[steps.Count - 1];
            DicomTag last = default;
            for (var i = 0; i < steps.Count; i++)
            {
                var step = steps[i];
                string name = step;
                var index = -1;
                var open = step.IndexOf('[');
                if (open >= 0)
                {
                    if (!step.EndsWith("]", StringComparison.Ordinal)) return false;
                    name = step.Substring(0, open);
                    if (!int.TryParse(step.Substring(open + 1, step.Length - open - 2), NumberStyles.None, CultureInfo.InvariantCulture, out index)) return false;
                }
                if (!DicomDictionary.TryResolve(name.Trim(), out var tag))
                {
                    error = "'" + name.Trim() + "' in '" + text + "' is neither a tag (gggg,eeee) nor a dictionary keyword.";
                    return false;
                }
                if (i < steps.Count - 1)
                {
                    if (index < 0) { error = "'" + text + "': the sequence " + name.Trim() + " needs an item index, e.g. " + name.Trim() + "[0]."; return false; }
                    sequences[i] = tag;
                    items[i] = index;
                }
                else
                {
                    if (index >= 0) { error = "'" + text + "': the last step names an element, not an item."; return false; }
                    last = tag;
                }
            }
            path = new DicomTagPath(sequences, items, last);
            return true;
        }

        // "(0040,0275)[0].(0040,0009)": dots separate steps, but not inside parentheses; "0040,0275" has no dot anyway.
        private static List<string>? SplitSteps(string text)
        {
            var steps = new List<string>();
            var depth = 0;
            var start = 0;
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (c == ']' && depth == 0 && i + 1 < text.Length && text[i + 1] == '(')
                {
                    // Get-DicomTag's ParentPath writes "(0040,0275)[0](0040,0008)[0]" without dots: read it too.
                    steps.Add(text.Substring(start, i + 1 - start));
                    start = i + 1;
                }
                else if (c == '(') depth++;
                else if (c == ')') depth--;
                else if (c == '.' && depth == 0)
                {
                    if (i == start) return null;
                    steps.Add(text.Substring(start, i - start));
                    start = i + 1;
                }
            }
            if (start >= text.Length) return null;
            steps.Add(text.Substring(start));
            return steps;
        }

        /// <summary>Same steps.</summary>
        public bool Equals(DicomTagPath? other)
        {
            if (other is null || other.Tag != Tag || other._sequences.Length != _sequences.Length) return false;
            for (var i = 0; i < _sequences.Length; i++)
                if (other._sequences[i] != _sequences[i] || other._items[i] != _items[i]) return false;
            return true;
        }

        /// <inheritdoc />
        public override bool Equals(object? obj) => Equals(obj as DicomTagPath);

        /// <inheritdoc />
        public override int GetHashCode()
        {
            var h = (int)Tag.Value;
            for (var i = 0; i < _sequences.Length; i++) h = h * 31 + (int)_sequences[i].Value * 7 + _items[i];
            return h;
        }

        /// <summary>"(0040,0275)[0].(0040,0009)", the form <see cref="DicomElementInfo.Path"/> uses.</summary>
        public override string ToString()
        {
            var sb = new StringBuilder();
            for (var i = 0; i < _sequences.Length; i++)
                sb.Append(_sequences[i].ToString()).Append('[').Append(_items[i].ToString(CultureInfo.InvariantCulture)).Append("].");
            return sb.Append(Tag.ToString()).ToString();
        }
    }
}
