using Microsoft.Extensions.Diagnostics.HealthChecks;
using NeuronGuard.Daemon.Monitoring;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace NeuronGuard.Daemon.Metrics;

/// <summary>
/// The stand-alone Kestrel HTTP/1.1 listener of <c>Metrics:Listen</c>, apart from the gRPC server: <c>/metrics</c>,
/// <c>/healthz</c> and <c>/readyz</c> (see <see cref="MetricsEndpoint"/>).
/// </summary>
public sealed class MetricsServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MetricsServer(WebApplication app, string bound)
    {
        _app = app;
        ListenUri = new Uri(bound + MetricsEndpoint.Path);
        // 0.0.0.0 and [::] accept connections but are no address to connect to: clients use loopback.
        Address = new Uri(bound.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal) + "/");
    }

    /// <summary>Base address to connect to, e.g. http://127.0.0.1:41234/ (the real port when asked for port 0; loopback for a wildcard bind).</summary>
    public Uri Address { get; }

    public Uri MetricsUri => new(Address, MetricsEndpoint.Path);

    /// <summary>The /metrics URL as bound, e.g. http://0.0.0.0:9464/metrics: what the log reports.</summary>
    public Uri ListenUri { get; }

    public static Task<MetricsServer> StartAsync(CollectorRegistry registry, IPEndPoint endpoint, CancellationToken cancellationToken = default) =>
        StartAsync(registry, endpoint, readiness: null, cancellationToken);

    /// <param name="readiness">Answers <c>/readyz</c>; null means always ready.</param>
    public static async Task<MetricsServer> StartAsync(CollectorRegistry registry, IPEndPoint endpoint, ReadinessProbe? readiness, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(endpoint, o => o.Protocols = HttpProtocols.Http1));
        if (readiness is not null)
        {
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration("ready", _ => new DaemonHealthChecks.ProbeCheck(readiness),
                HealthStatus.Unhealthy, [DaemonHealthChecks.ReadyTag]));
        }
        var app = builder.Build();
        MetricsEndpoint.Configure(app, registry, readiness);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new MetricsServer(app, bound.TrimEnd('/'));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
