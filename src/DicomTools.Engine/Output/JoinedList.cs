using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Linq;

namespace DicomTools.Engine.Output
{
    /// <summary>
    /// A read-only list whose <see cref="ToString"/> is its items' text, joined. Export-Csv and "$list" call ToString on
    /// a property's value, so a plain array prints its .NET type name there (<c>DicomTools.Engine.Run.FailedFile[]</c>);
    /// this list prints what it holds. Format-List and ConvertTo-Json still see a list.
    /// </summary>
    /// <typeparam name="T">The item type; its own ToString should be readable.</typeparam>
    public sealed class JoinedList<T> : ReadOnlyCollection<T>
    {
        private readonly string _separator;
        private readonly string? _text;

        /// <summary>The items, joined with <paramref name="separator"/> when printed.</summary>
        public JoinedList(IEnumerable<T> items, string separator = "; ")
            : this(items, separator, null)
        {
        }

        /// <summary>The items, printed as <paramref name="text"/> when it is not null (e.g. a DICOM value's own text, "512Ŋ").</summary>
        public JoinedList(IEnumerable<T> items, string separator, string? text)
            : base((items ?? Array.Empty<T>()).ToArray())
        {
            _separator = separator ?? throw new ArgumentNullException(nameof(separator));
            _text = text;
        }

        /// <summary>The items' text (invariant culture), joined.</summary>
        public override string ToString() =>
            _text ?? string.Join(_separator, this.Select(item => Convert.ToString(item, CultureInfo.InvariantCulture)));
    }
}
