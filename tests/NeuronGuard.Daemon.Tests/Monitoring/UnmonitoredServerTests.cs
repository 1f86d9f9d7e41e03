using System.Net;
using System.Text.RegularExpressions;
using Grpc.Core;
using Grpc.Net.Client;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Daemon.Tests.Telemetry;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Storage;

namespace NeuronGuard.Daemon.Tests.Monitoring;

/// <summary>
/// Monitoring that is silently off is visible: a model server connected for an expected model (one with an active
/// catalog) that has no usable plan, a corrupt catalog say, counts in neuronguard_unmonitored_model_servers and makes
/// /readyz 503 with the reason. A model nobody expects (no catalog at all) is refused at Hello and counted, but cannot
/// flip readiness.
/// </summary>
public sealed partial class UnmonitoredServerTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-unmonitored-").FullName;
    private readonly HttpClient _http = new();
    private DaemonHost _daemon = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _daemon = await DaemonHost.StartAsync(new DaemonOptions
        {
            Listen = "127.0.0.1:0", DataDir = _dir, Model = "none", LogLevel = "Warning",
            Metrics = new MetricsOptions { Listen = "127.0.0.1:0" },
        });
        _channel = GrpcChannel.ForAddress(_daemon.Address);
    }

    [Fact]
    public async Task ServerOfAnUnknownModel_RefusedAtHelloAndCounted_ButReadinessUnchanged()
    {
        Assert.Equal(0, await UnmonitoredAsync());
        Assert.Equal(HttpStatusCode.OK, (await ReadyzAsync()).Status);

        await using var s = new RawModelServer(_channel);
        await s.HelloAsync("0123456789abcdef", "stranger");
        var welcome = (await s.ExpectAsync(m => m.Welcome is not null, "Welcome")).Welcome;
        Assert.Empty(welcome.Slots);
        var error = (await s.ExpectErrorAsync("", StatusCode.NotFound)).Error;
        Assert.Contains("model 0123456789abcdef is not known to this daemon", error.Message, StringComparison.Ordinal);

        // Any client could say Hello with a made-up fingerprint: it must not turn /readyz to 503 for everyone.
        Assert.Equal(0, await UnmonitoredAsync());
        Assert.Equal(HttpStatusCode.OK, (await ReadyzAsync()).Status);
        Assert.Contains("neuronguard_stream_errors_total{reason=\"unknown_model\"} 1", await _http.GetStringAsync(_daemon.MetricsAddress!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerWhoseCatalogIsCorrupt_CountedAsUnmonitored()
    {
        const string fp = "fedcba9876543210";
        var store = _daemon.Context.Store;
        await store.PutRecordAsync(RecordKind.Catalog, fp, "broken", Catalog.CurrentFormat, "{not json"u8.ToArray(), "test");
        await store.ActivateAsync(RecordKind.Catalog, fp, "broken", "test");
        // The daemon learns of the activation through its store sync; a Hello before that is an unknown model's.
        await EventuallyAsync(() => Task.FromResult(global::NeuronGuard.Daemon.Monitoring.ExpectedModels.IsExpected(_daemon.Context.Sync, fp)), "the daemon's cache sees the corrupt catalog");

        var s = new RawModelServer(_channel);
        await s.HelloAsync(fp, "victim");
        var welcome = (await s.ExpectAsync(m => m.Welcome is not null, "Welcome")).Welcome;
        Assert.Empty(welcome.Slots);
        await s.ExpectAsync(m => m.Error is { Code: (int)StatusCode.FailedPrecondition }, "no_plan StreamError (an expected model)");
        Assert.Equal(1, await UnmonitoredAsync());
        var (status, body) = await ReadyzAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("server 'victim'", body, StringComparison.Ordinal);
        Assert.Contains(fp, body, StringComparison.Ordinal);

        await s.CompleteAsync();
        await s.DisposeAsync();
        await EventuallyAsync(async () => await UnmonitoredAsync() == 0, "the gauge back at 0 after the server left");
        Assert.Equal(HttpStatusCode.OK, (await ReadyzAsync()).Status);
    }

    private async Task<int> UnmonitoredAsync()
    {
        string text = await _http.GetStringAsync(_daemon.MetricsAddress!);
        var m = GaugeLine().Match(text);
        Assert.True(m.Success, "neuronguard_unmonitored_model_servers is not exported");
        return int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<(HttpStatusCode Status, string Body)> ReadyzAsync()
    {
        using var r = await _http.GetAsync(new Uri(_daemon.MetricsAddress!, MetricsEndpoint.ReadyPath));
        return (r.StatusCode, await r.Content.ReadAsStringAsync());
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within 60 s: {what}");
            await Task.Delay(100);
        }
    }

    [GeneratedRegex(@"^neuronguard_unmonitored_model_servers (\d+)", RegexOptions.Multiline)]
    private static partial Regex GaugeLine();

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _daemon.DisposeAsync();
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
