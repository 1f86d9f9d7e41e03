using System.Net;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.ModelServer.BuiltinHost;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace NeuronGuard.ModelServer;

/// <summary>
/// <c>neuronguard host --listen</c>: the standalone host's own gRPC listener (cleartext HTTP/2), serving
/// neuronguard.v1.Inference and grpc.health.v1.Health on Grpc.AspNetCore.
/// </summary>
public sealed class InferenceServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InferenceServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    /// <summary>The bound port (the real one when the endpoint asked for 0).</summary>
    public int Port { get; }

    public static async Task<InferenceServer> StartAsync(IPEndPoint endpoint, TelemetryModelServer server, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ConfigureForGrpc();
            k.ListenGrpc(endpoint);
        });
        var health = new HealthServiceImpl();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(health);
        builder.Services.AddSingleton(new InferenceService(server));
        var app = builder.Build();
        app.MapGrpcService<HealthServiceImpl>();
        app.MapGrpcService<InferenceService>();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        health.SetStatus("", ServingStatus.Serving);
        health.SetStatus(InferenceService.ServiceName, ServingStatus.Serving);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new InferenceServer(app, new Uri(address).Port);
    }

    public async ValueTask DisposeAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(grace.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
