using Microsoft.AspNetCore.Builder;
using NeuronGuard.Daemon.Auth;
using NeuronGuard.Daemon.Control;
using NeuronGuard.Daemon.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NeuronGuard.Daemon.Records;
using NeuronGuard.Daemon.Telemetry;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>The daemon's gRPC surface on a WebApplication: the middleware that runs before a body is read, then every service.</summary>
public static class NeuronGuardEndpoints
{
    /// <summary>
    /// Call metrics, authentication and authorization (in that order), then Health (fed by the health checks), Telemetry, Control, StoreAdmin, Catalogs,
    /// Baselines and, with <paramref name="reflection"/>, server reflection. Services must be registered, which only
    /// <see cref="DaemonHost"/> does today (<see cref="DaemonServiceCollectionExtensions.AddNeuronGuardDaemon"/> binds settings only).
    /// </summary>
    /// <param name="httpApi">Also map the HTTP API's verdict stream and tag the transcoded routes (JSON transcoding must be
    /// registered: <see cref="HttpApi.AddNeuronGuardHttpApi"/>).</param>
    public static WebApplication MapNeuronGuard(this WebApplication app, bool reflection, bool httpApi = false)
    {
        ArgumentNullException.ThrowIfNull(app);
        bool authorize = app.Services.GetService<IOptions<GrpcMethodBindingOptions>>()?.Value.Authorize == true;
        app.UseNeuronGuardAuth();
        app.MapGrpcHealthChecksService();
        app.MapGrpcService<TelemetryService>();
        app.MapGrpcService<ControlService>().WithHttpApiRoles(authorize);
        app.MapGrpcService<StoreAdminService>();
        app.MapGrpcService<CatalogsService>().WithHttpApiRoles(authorize);
        app.MapGrpcService<BaselinesService>().WithHttpApiRoles(authorize);
        if (httpApi)
        {
            app.MapVerdictStream(authorize);
        }
        if (reflection)
        {
            app.MapGrpcReflectionService();
        }
        return app;
    }
}
