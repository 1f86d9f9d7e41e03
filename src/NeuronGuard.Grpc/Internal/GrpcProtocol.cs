namespace NeuronGuard.Grpc.Internal;

/// <summary>Names and numbers from grpc/grpc doc/PROTOCOL-HTTP2.md, in one place.</summary>
internal static class GrpcProtocol
{
    /// <summary>Compressed-Flag (1 byte) + Message-Length (4 bytes, big-endian).</summary>
    public const int HeaderSize = 5;

    public const string ContentType = "application/grpc";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string StatusTrailer = "grpc-status";
    public const string MessageTrailer = "grpc-message";
    public const string Identity = "identity";

    /// <summary>4 MiB, the default every gRPC implementation uses for received messages.</summary>
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        // "application/grpc", "application/grpc+proto", "application/grpc;charset=…", not "application/grpc-web".
        return contentType.Length == ContentType.Length || contentType[ContentType.Length] is '+' or ';';
    }

    /// <summary>Headers that are protocol, not metadata, and never surface as <see cref="Metadata"/>.</summary>
    public static bool IsReservedHeader(string key) =>
        key.StartsWith(':') ||
        key.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase) ||
        key.Equals("content-type", StringComparison.OrdinalIgnoreCase) ||
        key.Equals("te", StringComparison.OrdinalIgnoreCase) ||
        key.Equals("host", StringComparison.OrdinalIgnoreCase) ||
        key.Equals("content-length", StringComparison.OrdinalIgnoreCase) ||
        key.Equals("accept-encoding", StringComparison.OrdinalIgnoreCase) ||
        key.Equals("connection", StringComparison.OrdinalIgnoreCase);
}
