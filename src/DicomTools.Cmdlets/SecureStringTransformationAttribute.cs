using System;
using System.Management.Automation;
using System.Security;

namespace DicomTools.Cmdlets
{
    /// <summary>
    /// Lets a key parameter take a plain string as well as a SecureString: `Get-Secret MdKey` gives a SecureString,
    /// `Get-Secret MdKey -AsPlainText` or a vault that stores strings gives a string, and both should simply work.
    /// The string is protected at once; like every key, it is registered for redaction by the cmdlet.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class SecureStringTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            var value = inputData is PSObject ps ? ps.BaseObject : inputData;
            return value switch
            {
                SecureString secure => secure,
                string text when text.Length > 0 => Protect(text),
                _ => inputData,
            };
        }

        private static SecureString Protect(string text)
        {
            var secure = new System.Net.NetworkCredential(string.Empty, text).SecurePassword;
            secure.MakeReadOnly();
            return secure;
        }
    }
}
