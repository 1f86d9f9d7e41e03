using NeuronGuard.ModelServer;
using System.Diagnostics;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Control;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Daemon.Tests.Telemetry;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.HealthCheck;
using Grpc.Health.V1;
using NeuronGuard.Storage;
using NeuronGuard.Storage.Tests.Infrastructure;

namespace NeuronGuard.Daemon.Tests.Store;

/// <summary>
/// The daemon on a real redis-server: replicas share policy through it, Health follows the store, and an outage
/// fails policy writes loudly while scoring goes on from the cache.
/// </summary>
public sealed class DaemonStoreTests : IAsyncLifetime
{
    private readonly List<string> _dirs = [];
    private readonly List<DaemonHost> _daemons = [];
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    [Fact]
    public async Task TwoReplicas_SharedRedis_PolicyChangeReachesTheOtherAndItsModelServer()
    {
        string prefix = "two-" + Guid.NewGuid().ToString("N")[..8];
        var a = await StartAsync(RedisOptions(prefix), model: "none");
        var b = await StartAsync(RedisOptions(prefix), model: "none");
        using var channelA = GrpcChannel.ForAddress(a.Address);
        using var channelB = GrpcChannel.ForAddress(b.Address);
        await using var server = new RawModelServer(channelB);
        await server.HelloAsync("0abc", "on-b");
        await server.ExpectAsync(m => m.Welcome is not null, "Welcome");

        var watch = Stopwatch.StartNew();
        var set = await channelA.AsyncUnaryCall(ControlMethods.SetMitigation, new SetMitigationRequest { Set = "toxicity", Mode = MitigationMode.Always, Strength = 0.5f });
        var update = await server.ExpectAsync(m => m.PolicyUpdate?.Policy.Version == set.Policy.Version, "the policy written on replica A, pushed by replica B");
        watch.Stop();
        Assert.Equal(MitigationMode.Always, Assert.Single(update.PolicyUpdate.Policy.Mitigations).Mode);
        var onB = await channelB.AsyncUnaryCall(ControlMethods.GetPolicy, new GetPolicyRequest());
        Assert.Equal(set.Policy.Version, onB.Policy.Version);
        Console.WriteLine($"policy propagation A → B's model server: {watch.Elapsed.TotalMilliseconds:F1} ms");
    }

    [Fact]
    public async Task RedisDownAtStart_NoSnapshot_NotServing_ThenServingWhenRedisComes()
    {
        int port = RedisServer.FreePort();
        var options = new StoreOptions
        {
            Kind = StoreKind.Redis,
            Redis = new RedisStoreOptions { Endpoints = [$"127.0.0.1:{port}"], KeyPrefix = "down", ConnectTimeout = TimeSpan.FromSeconds(1) },
        };
        var daemon = await StartAsync(options, model: "none");
        using var channel = GrpcChannel.ForAddress(daemon.Address);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, await CheckAsync(channel));
        Assert.Equal(Storage.Sync.StoreHealthState.NotServing, daemon.Context.Sync.Health.State);
        Assert.Contains($"127.0.0.1:{port}", daemon.Context.Sync.Health.Reason);

        var write = await Assert.ThrowsAsync<RpcException>(() => channel.AsyncUnaryCall(ControlMethods.SetMitigation,
            new SetMitigationRequest { Set = "toxicity", Mode = MitigationMode.Shadow }).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, write.StatusCode);
        Assert.Contains("NOT applied", write.Status.Detail);
    }

    [Fact]
    public async Task RedisKilledMidTraffic_ScoringContinues_PolicyWritesUnavailable_ResyncAfterRestart()
    {
        var daemon = await StartAsync(RedisOptions("kill-" + Guid.NewGuid().ToString("N")[..8]), model: null);
        using var channel = GrpcChannel.ForAddress(daemon.Address);
        string fp = daemon.BuiltinHost()!.Host.Info.Fingerprint;
        int slots = daemon.Context.Plans.Get(fp).Plan!.Slots.Count;
        await using var server = new RawModelServer(channel);
        await server.HelloAsync(fp, "through-outage");
        await server.ExpectAsync(m => m.Welcome is not null, "Welcome");

        _redis.Kill();
        await server.StartAsync("during");
        await server.FrameAsync("during", 0, 2, Enumerable.Range(0, 2 * slots).Select(i => 0.01f * (i % 7)));
        Assert.Equal(1u, (await server.ExpectVerdictAsync("during")).Step);

        RpcException? write = null;
        var noticeBy = DateTime.UtcNow.AddSeconds(20);
        while (write is null && DateTime.UtcNow < noticeBy)
        {
            try
            {
                await channel.AsyncUnaryCall(ControlMethods.SetMitigation, new SetMitigationRequest { Set = "backdoor", Mode = MitigationMode.OnFlag });
                await Task.Delay(100); // the client may not have noticed the kill yet
            }
            catch (RpcException e)
            {
                write = e;
            }
        }
        Assert.NotNull(write);
        Assert.Equal(StatusCode.Unavailable, write.StatusCode);
        Assert.Contains("redis at", write.Status.Detail);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await CheckAsync(channel)); // degraded, still scoring

        await _redis.StartProcessAsync();
        SetMitigationResponse? ok = null;
        var backBy = DateTime.UtcNow.AddSeconds(30);
        while (ok is null && DateTime.UtcNow < backBy)
        {
            try
            {
                ok = await channel.AsyncUnaryCall(ControlMethods.SetMitigation, new SetMitigationRequest { Set = "backdoor", Mode = MitigationMode.Shadow, Tenant = "after" });
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                await Task.Delay(100);
            }
        }
        Assert.NotNull(ok);
        Assert.Contains(ok.Policy.Mitigations, m => m.Tenant == "after");
    }

    private StoreOptions RedisOptions(string prefix) => new() { Kind = StoreKind.Redis, Redis = _redis.Options(prefix) };

    private async Task<DaemonHost> StartAsync(StoreOptions store, string? model)
    {
        string dir = Directory.CreateTempSubdirectory("ng-daemon-store-").FullName;
        _dirs.Add(dir);
        store.DataDirectory = dir;
        var daemon = await ServeHost.StartAsync(new DaemonOptions
        {
            Listen = "127.0.0.1:0",
            DataDir = dir,
            Model = model,
            LogLevel = "Warning",
            Store = store,
            Metrics = new MetricsOptions { Listen = "" },
        });
        _daemons.Add(daemon);
        return daemon;
    }

    private static async Task<HealthCheckResponse.Types.ServingStatus> CheckAsync(GrpcChannel channel) =>
        (await channel.AsyncUnaryCall(HealthMethods.Check, new HealthCheckRequest())).Status;

    public async Task DisposeAsync()
    {
        foreach (var d in _daemons)
        {
            await d.DisposeAsync();
        }
        await _redis.DisposeAsync();
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
