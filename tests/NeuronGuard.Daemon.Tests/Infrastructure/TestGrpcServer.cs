using System.Net;
using System.Security.Cryptography.X509Certificates;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NeuronGuard.Daemon.Hosting;

namespace NeuronGuard.Daemon.Tests;

/// <summary>A Grpc.AspNetCore server on 127.0.0.1:0 with the services a test maps (the daemon's Kestrel settings).</summary>
internal sealed class TestGrpcServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestGrpcServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public static async Task<TestGrpcServer> StartAsync(Action<IServiceCollection> services, Action<WebApplication> map,
        Action<GrpcServiceOptions>? grpc = null, X509Certificate2? certificate = null, Action<HttpsConnectionAdapterOptions>? https = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ConfigureForGrpc();
            k.ListenGrpc(new IPEndPoint(IPAddress.Loopback, 0), certificate, https);
        });
        builder.Services.AddGrpc(o => grpc?.Invoke(o));
        services(builder.Services);
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestGrpcServer(app, new Uri(address).Port);
    }

    public async ValueTask DisposeAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(grace.Token);
        await _app.DisposeAsync();
    }
}
