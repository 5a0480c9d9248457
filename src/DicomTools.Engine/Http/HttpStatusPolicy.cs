using System;
using System.IO;
using System.Net.Http;
using System.Net.Sockets;
using Polly.Timeout;

namespace DicomTools.Engine.Http
{
    /// <summary>The one place that decides what is worth retrying and what a failure is.</summary>
    public static class HttpStatusPolicy
    {
        /// <summary>408, 429, 500, 502, 503, 504: the server or the path to it may do better in a moment.</summary>
        public static bool IsRetryable(int statusCode) => statusCode switch
        {
            408 or 429 or 500 or 502 or 503 or 504 => true,
            _ => false,
        };

        public static bool IsSuccess(int statusCode) => statusCode >= 200 && statusCode <= 299;

        /// <summary>
        /// Failures of the connection or of one attempt that a retry may cure: connection refused or reset
        /// (HttpRequestException, IOException, SocketException) and the per-attempt timeout. Cancellation by the
        /// caller is never one.
        /// </summary>
        public static bool IsRetryable(Exception exception, bool callerCancelled)
        {
            if (callerCancelled || IsCertificateFailure(exception)) return false;
            return exception switch
            {
                TimeoutRejectedException _ => true,
                HttpRequestException _ => true,
                IOException _ => true,
                SocketException _ => true,
                // No HttpClient timeout is set, so a cancellation we did not ask for is the connection going away.
                OperationCanceledException _ => true,
                _ => false,
            };
        }

        /// <summary>TLS could not be set up (an untrusted or mismatched certificate): waiting will not change the certificate.</summary>
        public static bool IsCertificateFailure(Exception exception)
        {
            for (var e = exception; e != null; e = e.InnerException)
                if (e is System.Security.Authentication.AuthenticationException) return true;
            return false;
        }

        public static FailureKind KindOf(int statusCode) => statusCode switch
        {
            400 => FailureKind.BadRequest,
            401 or 407 => FailureKind.Unauthorized,
            403 => FailureKind.Forbidden,
            404 or 410 => FailureKind.NotFound,
            408 => FailureKind.Timeout,
            409 => FailureKind.Conflict,
            413 => FailureKind.PayloadTooLarge,
            415 => FailureKind.UnsupportedMediaType,
            >= 300 and < 400 => FailureKind.InvalidResponse,
            >= 400 and < 500 and not 429 => FailureKind.BadRequest,
            _ => FailureKind.ServerError,
        };

        public static FailureKind KindOf(Exception exception, bool callerCancelled)
        {
            if (callerCancelled) return FailureKind.Cancelled;
            return exception switch
            {
                TimeoutRejectedException _ => FailureKind.Timeout,
                HttpRequestException _ or IOException _ or SocketException _ or OperationCanceledException _ => FailureKind.ConnectionFailed,
                _ => FailureKind.InvalidResponse,
            };
        }

        /// <summary>Why an answer with this status is a failure, and for the ones never retried, why not.</summary>
        public static string Explain(int statusCode) => statusCode switch
        {
            400 => "the server rejected the request as invalid; sending it again would not change that",
            401 => "the server did not accept the credential (missing or wrong key); check the key or credential",
            403 => "the credential is not allowed to do this; check the key or credential",
            404 => "the server has no such resource",
            405 => "the server does not accept this HTTP method here",
            407 => "the proxy requires credentials it accepts; check the proxy credential",
            409 => "the request conflicts with what the server already has",
            410 => "the resource is gone",
            413 => "the body is larger than the server accepts",
            415 => "the server does not accept this content type",
            422 => "the server understood the request but refused its content",
            408 or 429 or 500 or 502 or 503 or 504 => "the server kept failing with a status worth retrying",
            >= 300 and < 400 => "the server redirected the request; redirects are not followed (credentials must not travel to another address): use the address it points to",
            >= 500 => "the server failed",
            _ => "the server refused the request",
        };
    }
}
