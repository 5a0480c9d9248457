using System;
using System.Collections.Generic;
using DicomTools.Dicom;

namespace DicomTools.Engine.Output
{
    /// <summary>
    /// An element's value as a script wants it: typed where the VR says what it holds (integers, decimals, dates,
    /// times), the text otherwise. Built on the codec's typed getters; a value its VR's getter cannot read (a damaged
    /// date, "UNKNOWN" in an IS) stays the text it is, so nothing is lost.
    /// </summary>
    public static class DicomTypedValue
    {
        /// <summary>
        /// One value: <see cref="int"/> (or <see cref="long"/> when it does not fit) for IS, US, SS, UL, SL, SV, UV;
        /// <see cref="double"/> for DS, FL, FD; <see cref="DateTime"/> for DA; <see cref="TimeSpan"/> (time of day) for
        /// TM; <see cref="DateTime"/> for DT, or <see cref="DateTimeOffset"/> when the value carries a UTC offset; the
        /// text for every other VR. Several values: a <see cref="JoinedList{T}"/> of them, printed as the DICOM text.
        /// An empty value is the empty string; a value not read (sequences, bulk data) is the codec's summary
        /// ("[sequence]", "[N bytes]").
        /// </summary>
        public static object? Of(DicomElementInfo element)
        {
            if (element == null) throw new ArgumentNullException(nameof(element));
            var text = element.GetString();
            if (text == null) return element.DisplayValue;
            var read = ReaderFor(element);
            string[] parts;
            try { parts = element.GetStrings(); }
            catch (InvalidOperationException) { return text; }
            if (parts.Length == 0) return text;
            if (read == null)
                return parts.Length == 1 || !element.VR.IsText ? text : new JoinedList<object>(parts, "\\", text);
            try
            {
                if (parts.Length == 1) return read(0);
                var values = new List<object>(parts.Length);
                for (var i = 0; i < parts.Length; i++) values.Add(read(i));
                return new JoinedList<object>(values, "\\", text);
            }
            catch (Exception ex) when (ex is FormatException || ex is OverflowException || ex is InvalidOperationException || ex is ArgumentOutOfRangeException)
            {
                return text;
            }
        }

        private static Func<int, object>? ReaderFor(DicomElementInfo element)
        {
            switch (element.VR.Code)
            {
                case "IS":
                case "US":
                case "SS":
                case "UL":
                case "SL":
                case "SV":
                case "UV":
                    // An int where it fits (what PowerShell literals and -eq expect); UL, SV and UV values may not.
                    return i =>
                    {
                        var number = element.GetInt64(i);
                        return number >= int.MinValue && number <= int.MaxValue ? (int)number : (object)number;
                    };
                case "DS":
                case "FL":
                case "FD":
                    return i => element.GetDouble(i);
                case "DA":
                    return i => element.GetDate(i);
                case "TM":
                    return i => element.GetTime(i);
                case "DT":
                    return i => HasUtcOffset(element.GetStrings()[i]) ? (object)element.GetDateTime(i) : element.GetDateTime(i).DateTime;
                default:
                    return null;
            }
        }

        // PS3.5 6.2: a DT value's offset is "&ZZXX" after the date-time; '-' or '+' past the year can only start it.
        private static bool HasUtcOffset(string value) => value.IndexOfAny(OffsetSigns, Math.Min(4, value.Length)) > 0;

        private static readonly char[] OffsetSigns = { '+', '-' };
    }
}
