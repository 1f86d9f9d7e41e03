using System.Net;
using NeuronGuard.Grpc.Internal.Client;

namespace NeuronGuard.Grpc.Client;

/// <summary>
/// A client connection to one gRPC server address over HTTP/2 (h2c for http://, TLS with ALPN for https://).
/// Thread-safe; calls are multiplexed over pooled connections.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    private readonly bool _disposeHandler;

    private GrpcChannel(Uri address, GrpcChannelOptions options)
    {
        Address = address;
        Options = options;
        _disposeHandler = options.HttpHandler is null;
        Invoker = new HttpMessageInvoker(options.HttpHandler ?? CreateHandler(options), disposeHandler: _disposeHandler);
    }

    public Uri Address { get; }

    public GrpcChannelOptions Options { get; }

    internal HttpMessageInvoker Invoker { get; }

    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null) => ForAddress(new Uri(address), options);

    public static GrpcChannel ForAddress(Uri address, GrpcChannelOptions? options = null)
    {
        if (address.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"gRPC address '{address}' must start with http:// (cleartext HTTP/2) or https:// (TLS).", nameof(address));
        }
        return new GrpcChannel(address, options ?? new GrpcChannelOptions());
    }

    public AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
    {
        var call = new ClientCall<TRequest, TResponse>(this, method, options);
        return new AsyncUnaryCall<TResponse>(call, call.StartUnary(request));
    }

    public AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
    {
        var call = new ClientCall<TRequest, TResponse>(this, method, options);
        return new AsyncServerStreamingCall<TResponse>(call, call.StartServerStreaming(request));
    }

    public AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options = default)
    {
        var call = new ClientCall<TRequest, TResponse>(this, method, options);
        var (writer, response) = call.StartClientStreaming();
        return new AsyncClientStreamingCall<TRequest, TResponse>(call, writer, response);
    }

    public AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options = default)
    {
        var call = new ClientCall<TRequest, TResponse>(this, method, options);
        var (writer, reader) = call.StartDuplex();
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(call, writer, reader);
    }

    public void Dispose() => Invoker.Dispose();

    private static SocketsHttpHandler CreateHandler(GrpcChannelOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
            InitialHttp2StreamWindowSize = 2 * 1024 * 1024,
        };
        if (options.ServerCertificateValidation is not null)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = options.ServerCertificateValidation;
        }
        if (options.ClientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [options.ClientCertificate];
        }
        return handler;
    }
}
