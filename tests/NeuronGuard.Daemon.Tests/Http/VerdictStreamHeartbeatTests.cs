using System.Net;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;

namespace NeuronGuard.Daemon.Tests.Http;

/// <summary>An idle verdict stream carries heartbeat comments (Http:HeartbeatSeconds), so proxies keep it open.</summary>
public sealed class VerdictStreamHeartbeatTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-http-beat-").FullName;
    private DaemonHost _daemon = null!;

    public async Task InitializeAsync()
    {
        var options = new DaemonOptions { Listen = "127.0.0.1:0", DataDir = _dir, LogLevel = "Warning", Metrics = new MetricsOptions { Listen = "127.0.0.1:0" } };
        options.Http.HeartbeatSeconds = 0.2;
        _daemon = await DaemonHost.StartAsync(options);
    }

    public async Task DisposeAsync()
    {
        await _daemon.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task IdleStream_SendsHeartbeatComments()
    {
        using var client = new HttpClient { BaseAddress = new Uri(_daemon.MetricsAddress!, "/") };
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await client.GetAsync("v1/verdicts/stream", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        int beats = 0;
        while (beats < 2 && await reader.ReadLineAsync(cts.Token) is { } line)
        {
            if (line == ": heartbeat")
            {
                beats++;
            }
        }
        Assert.Equal(2, beats);
    }
}
