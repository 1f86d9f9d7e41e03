using Microsoft.AspNetCore.Builder;
using NeuronGuard.Daemon.Auth;
using NeuronGuard.Daemon.Control;
using NeuronGuard.Daemon.Records;
using NeuronGuard.Daemon.Telemetry;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>The daemon's gRPC surface on a WebApplication: the middleware that runs before a body is read, then every service.</summary>
public static class NeuronGuardEndpoints
{
    /// <summary>
    /// Call metrics, authentication and authorization (in that order), then Health (fed by the health checks), Telemetry, Control, StoreAdmin, Catalogs,
    /// Baselines and, with <paramref name="reflection"/>, server reflection. Services must be registered.
    /// </summary>
    public static WebApplication MapNeuronGuard(this WebApplication app, bool reflection)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseNeuronGuardAuth();
        app.MapGrpcHealthChecksService();
        app.MapGrpcService<TelemetryService>();
        app.MapGrpcService<ControlService>();
        app.MapGrpcService<StoreAdminService>();
        app.MapGrpcService<CatalogsService>();
        app.MapGrpcService<BaselinesService>();
        if (reflection)
        {
            app.MapGrpcReflectionService();
        }
        return app;
    }
}
