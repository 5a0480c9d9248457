using System;
using System.Runtime.InteropServices;
using System.Security;

namespace DicomTools.Engine.Http
{
    /// <summary>The one place a SecureString becomes a string: just before a header is set or a text is redacted.</summary>
    internal static class SecureText
    {
        public static string Reveal(SecureString secret)
        {
            if (secret.Length == 0) return string.Empty;
            var pointer = IntPtr.Zero;
            try
            {
                pointer = Marshal.SecureStringToGlobalAllocUnicode(secret);
                return Marshal.PtrToStringUni(pointer, secret.Length);
            }
            finally
            {
                if (pointer != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            }
        }

        public static SecureString Protect(string text)
        {
            var secure = new SecureString();
            foreach (var c in text) secure.AppendChar(c);
            secure.MakeReadOnly();
            return secure;
        }
    }
}
