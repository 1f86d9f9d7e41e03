using System.IO.Compression;

namespace NeuronGuard.Grpc;

/// <summary>Settings of the gRPC server transport.</summary>
public sealed class GrpcServerOptions
{
    /// <summary>Largest request message accepted, after decompression. Defaults to 4,194,304 (4 MiB); null for no limit.</summary>
    public int? MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest response message sent. Defaults to null (no limit).</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>
    /// Compression for responses when the client accepts it ("gzip" or "deflate"). Defaults to null: responses are sent
    /// uncompressed unless a handler sets <see cref="ServerCallContext.ResponseCompression"/>.
    /// </summary>
    public string? ResponseCompressionAlgorithm { get; set; }

    /// <summary>Compression level for compressed responses. Defaults to <see cref="CompressionLevel.Fastest"/>.</summary>
    public CompressionLevel ResponseCompressionLevel { get; set; } = CompressionLevel.Fastest;

    /// <summary>
    /// Send exception messages to clients in INTERNAL statuses. Defaults to false: clients see a generic message and
    /// the exception is logged, so internals never leak.
    /// </summary>
    public bool EnableDetailedErrors { get; set; }

    /// <summary>
    /// Called when a call ends, with service, method, status name (e.g. "OK", "INVALID_ARGUMENT") and duration: the
    /// hook for call metrics. Runs on the request's thread; keep it allocation-free and quick. Defaults to null.
    /// </summary>
    public Action<string, string, string, TimeSpan>? OnCallCompleted { get; set; }
}
