using Grpc.AspNetCore.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using NeuronGuard.Daemon.Metrics;

namespace NeuronGuard.Daemon.Monitoring;

/// <summary>
/// The daemon's health as ASP.NET Core health checks, one source for every probe: <c>/readyz</c> runs the checks
/// tagged <see cref="ReadyTag"/>, gRPC Health (Grpc.AspNetCore.HealthChecks) the ones tagged <see cref="ServingTag"/>,
/// and <c>/healthz</c> none (200 while the process answers).
/// </summary>
public static class DaemonHealthChecks
{
    /// <summary>Checks that decide <c>/readyz</c>: store, lost data, unmonitored models.</summary>
    public const string ReadyTag = "ready";

    /// <summary>Checks that decide gRPC Health: the store can serve, and the daemon is not stopping.</summary>
    public const string ServingTag = "serving";

    /// <summary>Services reported through gRPC Health besides the server as a whole ("").</summary>
    public static readonly string[] ReportedServices = ["", "neuronguard.v1.Telemetry", "neuronguard.v1.Control"];

    /// <summary>
    /// Registers the checks and gRPC Health over them. <paramref name="ready"/> builds /readyz's probe (null when ready);
    /// <paramref name="canServe"/> whether the store can serve; both from the container, per probe.
    /// </summary>
    public static IServiceCollection AddDaemonHealthChecks(this IServiceCollection services, Func<IServiceProvider, ReadinessProbe> ready, Func<IServiceProvider, Func<bool>> canServe)
    {
        ArgumentNullException.ThrowIfNull(ready);
        ArgumentNullException.ThrowIfNull(canServe);
        services.AddGrpcHealthChecks(o =>
            {
                o.Services.Clear();
                foreach (var service in ReportedServices)
                {
                    o.Services.Map(service, r => r.Tags.Contains(ServingTag));
                }
            })
            .Add(new HealthCheckRegistration("ready", sp => new ProbeCheck(ready(sp)), HealthStatus.Unhealthy, [ReadyTag]))
            .Add(new HealthCheckRegistration("serving", sp => new ServingCheck(canServe(sp), sp.GetRequiredService<IHostApplicationLifetime>()),
                HealthStatus.Unhealthy, [ServingTag]));
        // The publisher feeds Health/Watch; the daemon also pushes store changes at once (see DaemonHost).
        services.Configure<HealthCheckPublisherOptions>(o =>
        {
            o.Delay = TimeSpan.Zero;
            o.Period = TimeSpan.FromSeconds(5);
        });
        return services;
    }

    /// <summary>A readiness probe as a health check: its reason is the check's description.</summary>
    internal sealed class ProbeCheck(ReadinessProbe probe) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(probe() is { } reason ? HealthCheckResult.Unhealthy(reason) : HealthCheckResult.Healthy());
    }

    /// <summary>NOT_SERVING once shutdown begins (load balancers stop sending work first) or while the store cannot serve.</summary>
    private sealed class ServingCheck(Func<bool> canServe, IHostApplicationLifetime lifetime) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested ? HealthCheckResult.Unhealthy("stopping")
                : canServe() ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("store cannot serve"));
    }
}
