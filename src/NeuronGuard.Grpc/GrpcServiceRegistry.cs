using System.Collections.Frozen;
using NeuronGuard.Grpc.Internal.Server;

namespace NeuronGuard.Grpc;

/// <summary>
/// The services a server exposes: each method bound to a typed handler. Paths not registered answer UNIMPLEMENTED.
/// </summary>
public sealed class GrpcServiceRegistry
{
    private readonly Dictionary<string, ServerMethodHandler> _methods = new(StringComparer.Ordinal);
    private readonly HashSet<string> _services = new(StringComparer.Ordinal);
    private readonly List<ServerCallFilter> _filters = new();
    private FrozenDictionary<string, ServerMethodHandler>? _frozen;

    public IReadOnlyCollection<string> Services => _services;

    public GrpcServiceRegistry AddUnary<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler)
        => Add(method, new UnaryHandler<TRequest, TResponse>(method, handler));

    public GrpcServiceRegistry AddClientStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler)
        => Add(method, new ClientStreamingHandler<TRequest, TResponse>(method, handler));

    public GrpcServiceRegistry AddServerStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler)
        => Add(method, new ServerStreamingHandler<TRequest, TResponse>(method, handler));

    public GrpcServiceRegistry AddDuplexStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
        => Add(method, new DuplexStreamingHandler<TRequest, TResponse>(method, handler));

    /// <summary>Adds a filter that runs, in registration order, before every handler.</summary>
    public GrpcServiceRegistry AddFilter(ServerCallFilter filter)
    {
        _filters.Add(filter);
        return this;
    }

    internal IReadOnlyList<ServerCallFilter> Filters => _filters;

    internal bool TryGetMethod(string path, out ServerMethodHandler handler)
    {
        var frozen = _frozen ??= _methods.ToFrozenDictionary(StringComparer.Ordinal);
        return frozen.TryGetValue(path, out handler!);
    }

    internal bool HasService(string service) => _services.Contains(service);

    private GrpcServiceRegistry Add<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerMethodHandler handler)
    {
        if (_frozen is not null)
        {
            throw new InvalidOperationException("Methods must be registered before the server starts.");
        }
        if (method.Type != handler.Type)
        {
            throw new ArgumentException($"{method.FullName} is a {method.Type} method; it cannot take a {handler.Type} handler.");
        }
        if (!_methods.TryAdd(method.FullName, handler))
        {
            throw new ArgumentException($"{method.FullName} is registered twice.");
        }
        _services.Add(method.ServiceName);
        return this;
    }
}
