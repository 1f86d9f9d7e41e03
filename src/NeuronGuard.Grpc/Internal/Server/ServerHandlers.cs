namespace NeuronGuard.Grpc.Internal.Server;

internal sealed class UnaryHandler<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler)
    : ServerMethodHandler(MethodType.Unary, method.FullName)
{
    protected override async Task RunAsync(HttpServerCall call)
    {
        var request = await ReadSingleAsync(call, method.RequestMarshaller).ConfigureAwait(false);
        var response = await handler(request, call.Context).ConfigureAwait(false);
        if (call.Context.Status.StatusCode == StatusCode.OK)
        {
            await call.WriteMessageAsync(response, method.ResponseMarshaller, null, call.CancellationToken).ConfigureAwait(false);
        }
    }
}

internal sealed class ClientStreamingHandler<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler)
    : ServerMethodHandler(MethodType.ClientStreaming, method.FullName)
{
    protected override async Task RunAsync(HttpServerCall call)
    {
        var reader = call.CreateRequestReader(method.RequestMarshaller);
        var response = await handler(reader, call.Context).ConfigureAwait(false);
        if (call.Context.Status.StatusCode == StatusCode.OK)
        {
            await call.WriteMessageAsync(response, method.ResponseMarshaller, null, call.CancellationToken).ConfigureAwait(false);
        }
    }
}

internal sealed class ServerStreamingHandler<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler)
    : ServerMethodHandler(MethodType.ServerStreaming, method.FullName)
{
    protected override async Task RunAsync(HttpServerCall call)
    {
        var request = await ReadSingleAsync(call, method.RequestMarshaller).ConfigureAwait(false);
        await handler(request, new ServerStreamWriter<TResponse>(call, method.ResponseMarshaller), call.Context).ConfigureAwait(false);
    }
}

internal sealed class DuplexStreamingHandler<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
    : ServerMethodHandler(MethodType.DuplexStreaming, method.FullName)
{
    protected override Task RunAsync(HttpServerCall call) =>
        handler(call.CreateRequestReader(method.RequestMarshaller), new ServerStreamWriter<TResponse>(call, method.ResponseMarshaller), call.Context);
}

internal sealed class ServerStreamWriter<T>(HttpServerCall call, Marshaller<T> marshaller) : IServerStreamWriter<T>
{
    public WriteOptions? WriteOptions { get; set; }

    public Task WriteAsync(T message, CancellationToken cancellationToken = default) =>
        call.WriteMessageAsync(message, marshaller, WriteOptions, cancellationToken);
}
