using Google.Protobuf;
using Grpc.Core;

namespace NeuronGuard.Interop;

/// <summary>Method descriptors for calls made by path (the interop client's unimplemented-service case, the benchmark).</summary>
public static class ProtoMethods
{
    public static Method<TRequest, TResponse> Create<TRequest, TResponse>(MethodType type, string service, string name)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>, new()
        => new(type, service, name, Marshaller<TRequest>(), Marshaller<TResponse>());

    private static Marshaller<T> Marshaller<T>() where T : IMessage<T>, new()
    {
        var parser = new MessageParser<T>(() => new T());
        return Marshallers.Create(m => m.ToByteArray(), parser.ParseFrom);
    }
}

/// <summary>The call shapes as the interop client writes them (method, request, options), on any <see cref="CallInvoker"/>.</summary>
internal static class CallInvokerExtensions
{
    public static AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(this CallInvoker invoker, Method<TRequest, TResponse> method,
        TRequest request, CallOptions options = default) where TRequest : class where TResponse : class =>
        invoker.AsyncUnaryCall(method, null, options, request);

    public static AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(this CallInvoker invoker,
        Method<TRequest, TResponse> method, TRequest request, CallOptions options = default) where TRequest : class where TResponse : class =>
        invoker.AsyncServerStreamingCall(method, null, options, request);

    public static AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(this CallInvoker invoker,
        Method<TRequest, TResponse> method, CallOptions options = default) where TRequest : class where TResponse : class =>
        invoker.AsyncClientStreamingCall(method, null, options);

    public static AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(this CallInvoker invoker,
        Method<TRequest, TResponse> method, CallOptions options = default) where TRequest : class where TResponse : class =>
        invoker.AsyncDuplexStreamingCall(method, null, options);
}
