namespace DicomTools.Engine.Http
{
    /// <summary>Why an HTTP call failed, in the terms a caller acts on (the cmdlet layer maps it to an ErrorCategory).</summary>
    public enum FailureKind
    {
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        Timeout,
        ConnectionFailed,
        ServerError,
        InvalidResponse,
        Cancelled,
    }
}
