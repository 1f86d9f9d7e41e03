using Grpc.Core;
using Grpc.Core.Interceptors;

namespace NeuronGuard.Daemon.Auth;

/// <summary>
/// Runs <see cref="Authenticator.Authorize"/> before every handler, whatever the call's shape; a rejected call never
/// reaches its handler and ends with the status the authenticator chose.
/// </summary>
internal sealed class AuthInterceptor(Authenticator authenticator, Action<AuthDenial> onDenied) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        authenticator.Authorize(context, onDenied);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        authenticator.Authorize(context, onDenied);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        authenticator.Authorize(context, onDenied);
        return continuation(request, responseStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        authenticator.Authorize(context, onDenied);
        return continuation(requestStream, responseStream, context);
    }
}
