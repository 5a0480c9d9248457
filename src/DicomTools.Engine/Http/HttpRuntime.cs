using System;
using System.Runtime.InteropServices;

namespace DicomTools.Engine.Http
{
    /// <summary>What the runtime we run on can do with HTTP (Windows PowerShell 5.1 runs on .NET Framework).</summary>
    public static class HttpRuntime
    {
#if NET
        // The net10.0 build runs on .NET 10+ only: no runtime question to ask (and no RuntimeInformation to load at start-up).
        public static bool IsNetFramework => false;
#else
        public static bool IsNetFramework { get; } =
            RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase);
#endif

        /// <summary>.NET Framework's HttpWebRequest throws ProtocolViolationException on a GET or HEAD with a body.</summary>
        public static bool CanSendBodyWithGet => !IsNetFramework;
    }
}
