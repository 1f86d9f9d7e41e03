using Microsoft.AspNetCore.Http;
using NeuronGuard.Grpc.Internal.Server;

namespace NeuronGuard.Grpc;

/// <summary>What a handler knows about its call: deadline, cancellation, metadata, and how to end it.</summary>
public sealed class ServerCallContext
{
    private readonly HttpServerCall _call;

    internal ServerCallContext(HttpServerCall call)
    {
        _call = call;
    }

    /// <summary>The method path, e.g. <c>/neuronguard.v1.Control/GetPolicy</c>.</summary>
    public string Method => _call.MethodName;

    /// <summary>The client's address, e.g. <c>ipv4:127.0.0.1:53412</c>.</summary>
    public string Peer => _call.Peer;

    /// <summary>When the client gives up (UTC); <see cref="DateTime.MaxValue"/> without a <c>grpc-timeout</c>.</summary>
    public DateTime Deadline => _call.Deadline;

    /// <summary>Cancelled when the client cancels, the deadline passes or the server shuts down.</summary>
    public CancellationToken CancellationToken => _call.CancellationToken;

    public Metadata RequestHeaders => _call.RequestHeaders;

    /// <summary>Metadata sent in the trailers (or in the Trailers-Only response) when the call ends.</summary>
    public Metadata ResponseTrailers => _call.ResponseTrailers;

    /// <summary>The status sent when the handler returns normally. Defaults to OK; throwing <see cref="RpcException"/> overrides it.</summary>
    public Status Status { get; set; } = Status.DefaultSuccess;

    /// <summary>"gzip" or "deflate" to compress responses (only if the client accepts it); set before the first write.</summary>
    public string? ResponseCompression
    {
        get => _call.ResponseCompression;
        set => _call.SetResponseCompression(value);
    }

    /// <summary>Whether the last request message read had its Compressed-Flag set.</summary>
    public bool RequestMessageCompressed => _call.LastRequestCompressed;

    /// <summary>The underlying HTTP context, for transport details such as the client certificate.</summary>
    public HttpContext HttpContext => _call.HttpContext;

    /// <summary>Sends the response headers now with these metadata entries; at most once, before the first message.</summary>
    public Task WriteResponseHeadersAsync(Metadata headers) => _call.WriteResponseHeadersAsync(headers);
}
