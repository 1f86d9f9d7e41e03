using System.Net;
using System.Text.Json;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;

namespace NeuronGuard.Daemon.Tests.Http;

/// <summary>
/// Where the HTTP API is served, and when not: never as an unauthenticated Control API on an admin listener other
/// machines can reach; not at all with Http:Enabled=false; never on the gRPC port.
/// </summary>
public sealed class AdminListenerRuleTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-http-rule-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
        return Task.CompletedTask;
    }

    private Task<DaemonHost> StartAsync(string metricsListen, bool httpEnabled = true)
    {
        var options = new DaemonOptions
        {
            Listen = "127.0.0.1:0", DataDir = Path.Combine(_dir, Guid.NewGuid().ToString("N")), LogLevel = "Warning",
            Metrics = new MetricsOptions { Listen = metricsListen },
        };
        options.Http.Enabled = httpEnabled;
        return DaemonHost.StartAsync(options);
    }

    [Fact]
    public async Task NoTokens_NonLoopbackAdminListener_ApiIs403WithTheFix_MetricsStillServe()
    {
        await using var daemon = await StartAsync("0.0.0.0:0");
        using var client = new HttpClient { BaseAddress = new Uri(daemon.MetricsAddress!, "/") };
        var response = await client.GetAsync("v1/policy");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        string message = json.RootElement.GetProperty("message").GetString()!;
        Assert.Contains("no tokens are configured", message);
        Assert.Contains("Auth:Tokens", message);
        Assert.DoesNotContain('\n', message);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("v1/policy/mitigations", new StringContent("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("v1/verdicts/stream", HttpCompletionOption.ResponseHeadersRead)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("metrics")).StatusCode);
    }

    [Fact]
    public async Task NoTokens_LoopbackAdminListener_ApiServesAnonymousCalls()
    {
        await using var daemon = await StartAsync("127.0.0.1:0");
        using var client = new HttpClient { BaseAddress = new Uri(daemon.MetricsAddress!, "/") };
        var response = await client.GetAsync("v1/policy");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task HttpDisabled_ApiIs404_MetricsStillServe()
    {
        await using var daemon = await StartAsync("127.0.0.1:0", httpEnabled: false);
        using var client = new HttpClient { BaseAddress = new Uri(daemon.MetricsAddress!, "/") };
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("v1/policy")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("metrics")).StatusCode);
    }

    [Fact]
    public async Task GrpcPort_ApiRoute_Is404PointingAtTheAdminListener()
    {
        await using var daemon = await StartAsync("127.0.0.1:0");
        // The gRPC port speaks cleartext HTTP/2 only (prior knowledge).
        using var client = new HttpClient
        {
            BaseAddress = daemon.Address, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        var response = await client.GetAsync("v1/policy");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("admin listener", await response.Content.ReadAsStringAsync());
    }
}
