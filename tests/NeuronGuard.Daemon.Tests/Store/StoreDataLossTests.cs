using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Daemon.Tests.Cli;
using NeuronGuard.Storage;
using NeuronGuard.Storage.Tests.Infrastructure;

namespace NeuronGuard.Daemon.Tests.Store;

/// <summary>
/// Two daemon replicas on a real redis-server that is restarted without persistence (so it comes back empty): both
/// must notice the loss, answer /readyz 503 with the reason and raise neuronguard_store_data_lost, refuse a policy write
/// as NOT applied (FAILED_PRECONDITION), and stay so until an operator resolves it on one of them.
/// </summary>
public sealed class StoreDataLossTests : IAsyncLifetime
{
    private readonly List<string> _dirs = [];
    private readonly List<DaemonHost> _daemons = [];
    private readonly HttpClient _http = new();
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync(appendOnly: false);

    [Fact]
    public async Task RedisRestartedEmpty_BothReplicasNotReady_UntilWriteBackOnOne()
    {
        var (a, b) = await StartPairAsync();
        using var channelA = GrpcChannel.ForAddress(a.Address);
        for (var i = 0; i < 3; i++)
        {
            await channelA.AsyncUnaryCall(ControlMethods.SetMitigation, new SetMitigationRequest { Set = "s" + i, Mode = MitigationMode.Shadow });
        }
        await WaitAsync(() => b.Context.Policy.Current.Version == 3, b, "replica B to reach policy v3");

        await LoseRedisDataAsync();

        foreach (var d in new[] { a, b })
        {
            var reason = await WaitNotReadyAsync(d);
            Assert.Contains("store lost data", reason);
            Assert.Contains("older than the cached version 3", reason);
            Assert.Contains("neuronguard ctl store resolve", reason);
            Assert.Contains("neuronguard_store_data_lost 1", await ScrapeAsync(d));
            Assert.Equal(3, d.Context.Policy.Current.Version); // the cache still serves the policy the store lost
        }

        // A write to the emptied store lands at version 1 <= 3: refused as NOT applied, over gRPC.
        var write = await Assert.ThrowsAsync<RpcException>(() => channelA.AsyncUnaryCall(ControlMethods.SetMitigation,
            new SetMitigationRequest { Set = "late", Mode = MitigationMode.Shadow }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, write.StatusCode);
        Assert.Contains("NOT applied", write.Status.Detail);

        var resolved = await new StoreAdmin.StoreAdminClient(channelA).ResolveDataLossAsync(
            new ResolveDataLossRequest { Resolution = StoreResolution.WriteBack });
        Assert.Equal(4UL, resolved.PolicyVersion); // above the store's 1 and every cache's 3
        Assert.Contains("older than the cached version 3", resolved.Resolved);

        foreach (var d in new[] { a, b })
        {
            await WaitReadyAsync(d);
            Assert.Equal(4, d.Context.Policy.Current.Version);
            Assert.Equal(["s0", "s1", "s2"], d.Context.Policy.Current.Entries.Select(e => e.Set).Order());
            Assert.Contains("neuronguard_store_data_lost 0", await ScrapeAsync(d));
            Assert.Contains("neuronguard_store_data_loss_total 1", await ScrapeAsync(d));
        }
    }

    [Fact]
    public async Task RedisRestartedEmpty_CtlStoreResolveAdopt_BothReplicasTakeTheStoresPolicy()
    {
        var (a, b) = await StartPairAsync();
        using var channelA = GrpcChannel.ForAddress(a.Address);
        await channelA.AsyncUnaryCall(ControlMethods.SetMitigation, new SetMitigationRequest { Set = "old", Mode = MitigationMode.Shadow });
        await WaitAsync(() => b.Context.Policy.Current.Version == 1, b, "replica B to reach policy v1");
        await LoseRedisDataAsync();
        await WaitNotReadyAsync(a);
        await WaitNotReadyAsync(b);

        var none = await CliProcess.RunAsync("ctl", "--server", b.Address.ToString(), "store", "resolve");
        Assert.Equal(2, none.Code);
        Assert.Contains("exactly one of --write-back", none.Err);
        var adopt = await CliProcess.RunAsync("ctl", "--server", b.Address.ToString(), "store", "resolve", "--adopt");
        Assert.True(adopt.Code == 0, adopt.Err);
        Assert.Contains("policy written at version 2", adopt.Out);

        foreach (var d in new[] { a, b })
        {
            await WaitReadyAsync(d);
            Assert.Equal(2, d.Context.Policy.Current.Version);
            Assert.Empty(d.Context.Policy.Current.Entries); // the store's (empty) policy won
        }
        var again = await CliProcess.RunAsync("ctl", "--server", a.Address.ToString(), "store", "resolve", "--adopt");
        Assert.Equal(1, again.Code);
        Assert.Contains("FAILED_PRECONDITION", again.Err);
        Assert.Contains("nothing to resolve", again.Err);
    }

    private async Task<(DaemonHost A, DaemonHost B)> StartPairAsync()
    {
        var prefix = "loss-" + Guid.NewGuid().ToString("N")[..8];
        return (await StartAsync(prefix), await StartAsync(prefix));
    }

    private async Task LoseRedisDataAsync()
    {
        _redis.Kill();
        await _redis.StartProcessAsync(); // no persistence: it comes back empty
    }

    private async Task<DaemonHost> StartAsync(string prefix)
    {
        var dir = Directory.CreateTempSubdirectory("ng-data-loss-").FullName;
        _dirs.Add(dir);
        var store = new StoreOptions { Kind = StoreKind.Redis, DataDirectory = dir, Redis = _redis.Options(prefix) };
        store.Sync.VersionCheckInterval = TimeSpan.FromMilliseconds(200);
        var daemon = await DaemonHost.StartAsync(new DaemonOptions
        {
            Listen = "127.0.0.1:0", DataDir = dir, Model = "none", LogLevel = "Warning", Store = store,
            Metrics = new MetricsOptions { Listen = "127.0.0.1:0" },
        });
        _daemons.Add(daemon);
        return daemon;
    }

    private async Task<string> ScrapeAsync(DaemonHost d) => await _http.GetStringAsync(d.MetricsAddress!);

    private async Task<string> WaitNotReadyAsync(DaemonHost d)
    {
        var readyz = new Uri(d.MetricsAddress!, MetricsEndpoint.ReadyPath);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await _http.GetAsync(readyz);
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && body.Contains("lost data", StringComparison.Ordinal))
            {
                return body;
            }
            Assert.True(DateTime.UtcNow < deadline, $"/readyz still {response.StatusCode} ({body}) 60 s after Redis came back empty");
            await Task.Delay(100);
        }
    }

    private async Task WaitReadyAsync(DaemonHost d)
    {
        var readyz = new Uri(d.MetricsAddress!, MetricsEndpoint.ReadyPath);
        await WaitAsync(() => _http.GetAsync(readyz).Result.StatusCode == HttpStatusCode.OK, d, "/readyz 200 after the resolve");
    }

    private static async Task WaitAsync(Func<bool> condition, DaemonHost d, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"gave up waiting for {what}; store health: {d.Context.Sync.Health}");
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var d in _daemons)
        {
            await d.DisposeAsync();
        }
        await _redis.DisposeAsync();
        _http.Dispose();
        foreach (var dir in _dirs)
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
