using System.Net;
using Microsoft.Extensions.Logging;
using NeuronGuard.Grpc;

namespace NeuronGuard.Interop;

/// <summary>Starts the interop and probe services on one Kestrel listener.</summary>
public static class InteropServer
{
    public static Task<GrpcServerHost> StartAsync(IPEndPoint endpoint, Action<ILoggingBuilder>? logging = null, GrpcServerOptions? options = null)
    {
        var registry = new GrpcServiceRegistry();
        TestServiceImpl.Register(registry);
        new ProbeService().Register(registry);
        return GrpcServerHost.StartAsync(registry, endpoint, options, logging: logging);
    }
}
