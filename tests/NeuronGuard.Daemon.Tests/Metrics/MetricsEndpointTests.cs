using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using NeuronGuard.Daemon.Metrics;

namespace NeuronGuard.Daemon.Tests.Metrics;

/// <summary>The middleware answers /metrics only on the metrics port and leaves other ports to the rest of the app.</summary>
public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Metrics_are_served_only_on_the_metrics_port()
    {
        var registry = new MetricRegistry();
        registry.Counter("hello_total", "Hello.").Inc();
        int appPort = MetricsTestPaths.FreePort(), metricsPort = MetricsTestPaths.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, appPort, o => o.Protocols = HttpProtocols.Http1);
            k.Listen(IPAddress.Loopback, metricsPort, o => o.Protocols = HttpProtocols.Http1);
        });
        await using var app = builder.Build();
        app.MapMetrics(registry, metricsPort);
        app.Run(context => context.Response.WriteAsync("app"));
        await app.StartAsync();
        try
        {
            using var http = new HttpClient();
            var metrics = await http.GetAsync($"http://127.0.0.1:{metricsPort}/metrics");
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
            Assert.Equal(TextFormat.ContentType, metrics.Content.Headers.ContentType!.ToString());
            Assert.Contains("hello_total 1\n", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{metricsPort}/other")).StatusCode);
            Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.PostAsync($"http://127.0.0.1:{metricsPort}/metrics", null)).StatusCode);
            Assert.Equal("app", await http.GetStringAsync($"http://127.0.0.1:{appPort}/metrics"));
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
