using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NeuronGuard.Grpc.Internal.Server;

namespace NeuronGuard.Grpc;

public static class GrpcApplicationBuilderExtensions
{
    /// <summary>Serves the registry's methods on this pipeline; other requests fall through to later middleware.</summary>
    public static IApplicationBuilder UseGrpc(this IApplicationBuilder app, GrpcServiceRegistry registry, GrpcServerOptions? options = null)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("NeuronGuard.Grpc.Server");
        var resolved = options ?? new GrpcServerOptions();
        return app.Use(next => new GrpcMiddleware(next, registry, resolved, logger).InvokeAsync);
    }
}
