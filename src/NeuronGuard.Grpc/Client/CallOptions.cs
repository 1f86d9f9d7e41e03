namespace NeuronGuard.Grpc.Client;

/// <summary>Per-call settings.</summary>
/// <param name="Headers">Custom metadata sent with the request headers.</param>
/// <param name="Deadline">UTC time after which the call fails with DEADLINE_EXCEEDED; sent to the server as <c>grpc-timeout</c>.</param>
/// <param name="CancellationToken">Cancels the call (CANCELLED); the server's handler sees its token cancelled.</param>
/// <param name="Compression">"gzip" or "deflate" to compress request messages; null sends them uncompressed.</param>
public readonly record struct CallOptions(
    Metadata? Headers = null,
    DateTime? Deadline = null,
    CancellationToken CancellationToken = default,
    string? Compression = null);
