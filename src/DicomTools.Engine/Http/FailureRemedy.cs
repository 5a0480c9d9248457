namespace DicomTools.Engine.Http
{
    /// <summary>
    /// What the caller can change to cure a failed call, beyond what <see cref="FailureKind"/> says. The Engine names
    /// the remedy; the cmdlet layer phrases it with its own parameter names (HttpErrorRecords).
    /// </summary>
    public enum FailureRemedy
    {
        /// <summary>Nothing specific beyond the failure kind.</summary>
        None,

        /// <summary>Every attempt ran out of time: a longer per-attempt timeout helps if the server is just slow.</summary>
        LongerAttemptTimeout,

        /// <summary>The server's TLS certificate was refused: trust it, or (test servers only) skip the check.</summary>
        TrustServerCertificate,

        /// <summary>The proxy asked for credentials it accepts (HTTP 407).</summary>
        ProxyCredential,
    }
}
