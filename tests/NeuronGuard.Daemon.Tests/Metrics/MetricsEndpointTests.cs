using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using NeuronGuard.Daemon.Metrics;

namespace NeuronGuard.Daemon.Tests.Metrics;

/// <summary>The metrics listener: /metrics, /healthz and /readyz only, on its own port; 404 and 405 for anything else.</summary>
public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Metrics_are_served_only_on_the_metrics_port()
    {
        var metrics = new DaemonMetrics(new MetricsOptions());
        metrics.ForTenant("hello").RequestStarted();
        int appPort = MetricsTestPaths.FreePort(), metricsPort = MetricsTestPaths.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, appPort, o => o.Protocols = HttpProtocols.Http1);
            k.Listen(IPAddress.Loopback, metricsPort, o => o.Protocols = HttpProtocols.Http1);
        });
        await using var app = builder.Build();
        app.MapMetrics(metrics.Registry, metricsPort);
        app.Run(context => context.Response.WriteAsync("app"));
        await app.StartAsync();
        try
        {
            using var http = new HttpClient();
            var scrape = await http.GetAsync($"http://127.0.0.1:{metricsPort}/metrics");
            Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
            Assert.Contains("neuronguard_requests_started_total{tenant=\"hello\"} 1\n", await scrape.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{metricsPort}/other")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{metricsPort}/metrics/x")).StatusCode);
            Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.PostAsync($"http://127.0.0.1:{metricsPort}/metrics", null)).StatusCode);
            Assert.Equal("app", await http.GetStringAsync($"http://127.0.0.1:{appPort}/metrics"));
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task Text_format_by_default_OpenMetrics_when_asked()
    {
        var metrics = DaemonMetricsFixture.Exercised();
        await using var server = await MetricsServer.StartAsync(metrics.Registry, new IPEndPoint(IPAddress.Loopback, 0));
        using var http = new HttpClient();
        using var plain = await http.GetAsync(server.MetricsUri);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", plain.Content.Headers.ContentType!.ToString());
        Assert.DoesNotContain("# EOF", await plain.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var request = new HttpRequestMessage(HttpMethod.Get, server.MetricsUri);
        request.Headers.TryAddWithoutValidation("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
        using var open = await http.SendAsync(request);
        Assert.StartsWith("application/openmetrics-text", open.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        var body = await open.Content.ReadAsStringAsync();
        Assert.Contains("# {request_id=\"req-17\"}", body, StringComparison.Ordinal);
        Assert.EndsWith("# EOF\n", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Healthz_ok_while_running_Readyz_follows_the_probe()
    {
        string? notReady = "store NotServing: redis at 127.0.0.1:1 refused the connection";
        await using var server = await MetricsServer.StartAsync(new DaemonMetrics(new MetricsOptions()).Registry, new IPEndPoint(IPAddress.Loopback, 0), () => notReady);
        using var http = new HttpClient();
        var healthz = await http.GetAsync(new Uri(server.Address, MetricsEndpoint.HealthPath));
        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        Assert.Equal("ok\n", await healthz.Content.ReadAsStringAsync());

        var readyz = await http.GetAsync(new Uri(server.Address, MetricsEndpoint.ReadyPath));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyz.StatusCode);
        Assert.Equal($"not ready: {notReady}\n", await readyz.Content.ReadAsStringAsync());

        notReady = null; // the store came back
        readyz = await http.GetAsync(new Uri(server.Address, MetricsEndpoint.ReadyPath));
        Assert.Equal(HttpStatusCode.OK, readyz.StatusCode);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.PostAsync(new Uri(server.Address, MetricsEndpoint.HealthPath), null)).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.DeleteAsync(new Uri(server.Address, MetricsEndpoint.ReadyPath))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri(server.Address, "/health"))).StatusCode);
    }

    [Fact]
    public async Task Wildcard_bind_is_reported_as_bound_and_reached_on_loopback()
    {
        await using var server = await MetricsServer.StartAsync(new DaemonMetrics(new MetricsOptions()).Registry, new IPEndPoint(IPAddress.Any, 0));
        Assert.Equal("0.0.0.0", server.ListenUri.Host); // what the daemon logs
        Assert.Equal("/metrics", server.ListenUri.AbsolutePath);
        Assert.Equal("127.0.0.1", server.MetricsUri.Host); // what clients use
        Assert.Equal(server.ListenUri.Port, server.MetricsUri.Port);
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(server.MetricsUri)).StatusCode);
    }
}
