using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;

namespace DicomTools.Engine.Logging
{
    /// <summary>Redacts server answers held as plain values (strings, dictionaries, lists), e.g. an analytics answer that echoes the key.</summary>
    public static class RedactorPlainValues
    {
        /// <summary>A copy of <paramref name="value"/> whose every string (values and keys) is redacted; other values are kept as they are.</summary>
        public static object? RedactPlain(this Redactor redactor, object? value) => value switch
        {
            null => null,
            string text => redactor.Redact(text),
            IDictionary dictionary => RedactDictionary(redactor, dictionary),
            IList list => RedactList(redactor, list),
            _ => value,
        };

        public static OrderedDictionary RedactDictionary(this Redactor redactor, IDictionary dictionary)
        {
            var copy = new OrderedDictionary();
            foreach (DictionaryEntry entry in dictionary)
            {
                var key = entry.Key is string name ? redactor.Redact(name) : entry.Key;
                // Two keys can redact to one ("***"): keep both values rather than throw.
                while (copy.Contains(key)) key = key + "*";
                copy.Add(key, redactor.RedactPlain(entry.Value));
            }
            return copy;
        }

        private static List<object?> RedactList(Redactor redactor, IList list)
        {
            var copy = new List<object?>(list.Count);
            foreach (var item in list) copy.Add(redactor.RedactPlain(item));
            return copy;
        }
    }
}
