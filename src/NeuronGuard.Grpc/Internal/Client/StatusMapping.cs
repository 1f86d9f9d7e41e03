using System.Net;

namespace NeuronGuard.Grpc.Internal.Client;

/// <summary>HTTP status to gRPC status for responses that are not gRPC (grpc/grpc doc/http-grpc-status-mapping.md).</summary>
internal static class StatusMapping
{
    public static StatusCode FromHttpStatus(HttpStatusCode status) => (int)status switch
    {
        400 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };
}
