using System;
using DicomTools.Dicom.Network;

namespace DicomTools.Engine.Upload.Protocols
{
    /// <summary>
    /// The dicom:// form that names a DIMSE archive where a URL is expected (U_URL, -Uri):
    /// dicom://CALLED@host[:port] or dicom://CALLING:CALLED@host[:port] (port 104 when absent).
    /// </summary>
    public static class DimseArchiveUri
    {
        public const string Scheme = "dicom";
        public const int DefaultPort = 104;

        public static bool IsDimse(Uri? uri) =>
            uri != null && uri.IsAbsoluteUri && string.Equals(uri.Scheme, Scheme, StringComparison.OrdinalIgnoreCase);

        /// <summary>Why the URI cannot name an archive, or null when it can.</summary>
        public static string? Problem(Uri uri)
        {
            if (!IsDimse(uri)) return "it is not a dicom:// URI";
            if (string.IsNullOrEmpty(uri.Host)) return "it names no host";
            var (calling, called) = Titles(uri);
            if (string.IsNullOrEmpty(called)) return "it names no called AE title (dicom://CALLED@host:port)";
            if (DicomNetworkValidation.AeTitleProblem(called) is string p1) return $"the called AE title '{called}' cannot be used: {p1}";
            if (calling != null && DicomNetworkValidation.AeTitleProblem(calling) is string p2) return $"the calling AE title '{calling}' cannot be used: {p2}";
            return null;
        }

        /// <summary>The association options the URI names (timeouts at their defaults).</summary>
        /// <exception cref="ArgumentException">See <see cref="Problem"/>.</exception>
        public static DicomAssociationOptions ToOptions(Uri uri)
        {
            if (uri == null) throw new ArgumentNullException(nameof(uri));
            if (Problem(uri) is string problem) throw new ArgumentException($"'{uri.OriginalString}' cannot name a DICOM archive: {problem}.", nameof(uri));
            var (calling, called) = Titles(uri);
            var port = !uri.IsDefaultPort && uri.Port > 0 ? uri.Port : DefaultPort;
            return new DicomAssociationOptions(uri.Host, port, called!) { CallingAETitle = calling ?? DicomAssociationOptions.DefaultCallingAETitle };
        }

        private static (string? Calling, string? Called) Titles(Uri uri)
        {
            var user = Uri.UnescapeDataString(uri.UserInfo ?? string.Empty);
            var colon = user.IndexOf(':');
            return colon >= 0 ? (user.Substring(0, colon), user.Substring(colon + 1)) : (null, user);
        }
    }
}
