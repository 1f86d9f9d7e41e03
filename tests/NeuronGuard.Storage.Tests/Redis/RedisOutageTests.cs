using System.Collections.Concurrent;
using NeuronGuard.Storage.Sync;
using NeuronGuard.Storage.Tests.Infrastructure;

namespace NeuronGuard.Storage.Tests.Redis;

/// <summary>
/// Redis down at start, killed mid-traffic and restarted. Each test owns its server (it kills it). The
/// kill-and-restart test runs Redis with AOF and <c>appendfsync always</c>: Redis acknowledges a write only
/// after it is in the AOF, so "no acknowledged change lost" is a property the server can keep across SIGKILL;
/// without persistence a restarted Redis is empty and the cache's regression guard (see
/// <see cref="StoreSync{TCatalog,TBaseline}"/>) is what keeps the policy.
/// </summary>
public sealed class RedisOutageTests : IDisposable
{
    private const string Fp = "m1";
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private StoreOptions Options(RedisStoreOptions redis, string name) => new()
    {
        Kind = StoreKind.Redis,
        DataDirectory = _directory.Sub(name),
        Redis = redis,
    };

    private static RedisStoreOptions Nowhere() => new()
    {
        Endpoints = [$"127.0.0.1:{RedisServer.FreePort()}"],
        KeyPrefix = "ng",
        ConnectTimeout = TimeSpan.FromMilliseconds(500),
    };

    [Fact]
    public async Task Start_RedisDownNoSnapshot_NotServingWithReason()
    {
        var redis = Nowhere();

        await using var replica = await Replica.StartAsync(Options(redis, "a"));

        Assert.Equal(StoreHealthState.NotServing, replica.Sync.Health.State);
        Assert.Contains($"redis at {redis.Endpoints[0]} is unreachable", replica.Sync.Health.Reason);
        Assert.Contains("no usable local snapshot", replica.Sync.Health.Reason);
    }

    [Fact]
    public async Task PolicyWrite_RedisDown_FailsFastSayingNotApplied()
    {
        var redis = Nowhere();
        await using var store = await StoreFactory.OpenAsync(Options(redis, "a"));

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() =>
            store.TryUpdatePolicyAsync(null, [PolicyChange.Set("toxicity/global", "{}")], "alice"));

        Assert.StartsWith($"policy store unavailable: redis at {redis.Endpoints[0]} is unreachable (", error.Message);
        Assert.EndsWith("the change was NOT applied", error.Message);
    }

    [Fact]
    public async Task Start_RedisDownWithSnapshot_ServesSnapshotThenResyncsWhenRedisStarts()
    {
        await using var server = await RedisServer.StartAsync();
        var options = Options(server.Options("ng"), "a");
        await using (var first = await Replica.StartAsync(options))
        {
            await first.Store.PutRecordAsync(RecordKind.Baseline, Fp, "b1", 1, TestRecords.Baseline(1), "calibrate");
            await first.Store.ActivateAsync(RecordKind.Baseline, Fp, "b1", "alice");
            await first.Store.TryUpdatePolicyAsync(0, [PolicyChange.Set("toxicity/global", "{\"on\":true}")], "alice");
            await first.WaitUntilAsync(r => r.Sync.Policy.Version == 1 && r.Sync.GetModel(Fp)?.Baseline is not null, "the first replica to load");
        }
        server.Kill();

        await using var second = await Replica.StartAsync(options, versionCheck: TimeSpan.FromMilliseconds(200));

        Assert.Equal(StoreHealthState.ServingFromSnapshot, second.Sync.Health.State);
        Assert.Contains("Serving the local snapshot taken", second.Sync.Health.Reason);
        Assert.Equal("{\"on\":true}", second.Sync.Policy.Entries["toxicity/global"]);
        Assert.Equal(TestRecords.Baseline(1), second.Sync.GetModel(Fp)!.Baseline!.Value);

        await server.StartProcessAsync(); // no persistence: Redis comes back empty
        await using var writer = await StoreFactory.OpenAsync(Options(server.Options("ng"), "w"));
        await writer.PutRecordAsync(RecordKind.Baseline, Fp, "b2", 1, TestRecords.Baseline(2), "calibrate");
        await writer.ActivateAsync(RecordKind.Baseline, Fp, "b2", "alice");
        await second.WaitUntilAsync(r => r.Changes.Contains(StoreChange.Activated(RecordKind.Baseline, Fp, "b2")), "the resync after Redis returned");

        Assert.Equal(TestRecords.Baseline(2), second.Sync.GetModel(Fp)!.Baseline!.Value);
        // The empty Redis has policy v0 < cached v1: the cache keeps its policy and says why.
        Assert.Equal(1, second.Sync.Policy.Version);
        Assert.Equal(StoreHealthState.Degraded, second.Sync.Health.State);
        Assert.Contains("lost data", second.Sync.Health.Reason);
    }

    [Fact]
    public async Task RedisKilledAndRestarted_MidTraffic_NoAcknowledgedChangeLostAndCacheResyncs()
    {
        await using var server = await RedisServer.StartAsync(appendOnly: true);
        var redis = server.Options("ng");
        await using var writer = await StoreFactory.OpenAsync(Options(redis, "w"));
        await using var reader = await Replica.StartAsync(Options(redis, "r"), versionCheck: TimeSpan.FromMilliseconds(250));
        var acknowledged = new ConcurrentDictionary<string, string>();
        var unavailable = 0;
        var phase = 0; // 0 before the kill, 1 while down, 2 after the restart

        async Task WriteAsync(int id)
        {
            for (var n = 0; Volatile.Read(ref phase) < 2 || n < 1000 && acknowledged.Count(kv => kv.Key.StartsWith($"w{id}-")) < 40; n++)
            {
                var key = $"w{id}-{n}";
                try
                {
                    await writer.TryUpdatePolicyAsync(null, [PolicyChange.Set(key, $"{{\"n\":{n}}}")], $"writer-{id}");
                    acknowledged[key] = $"{{\"n\":{n}}}";
                }
                catch (StoreUnavailableException e)
                {
                    Assert.Contains($"redis at {server.Endpoint}", e.Message);
                    Interlocked.Increment(ref unavailable);
                    await Task.Delay(10);
                }
            }
        }
        var writers = Enumerable.Range(0, 3).Select(id => Task.Run(() => WriteAsync(id))).ToArray();
        while (acknowledged.Count < 60) await Task.Delay(5);

        server.Kill();
        Volatile.Write(ref phase, 1);
        await reader.WaitUntilAsync(r => r.Sync.Health.State == StoreHealthState.Degraded && Volatile.Read(ref unavailable) > 0, "writes to fail and the cache to degrade");
        var servedDuringOutage = reader.Sync.Policy.Entries.Count;
        await server.StartProcessAsync();
        Volatile.Write(ref phase, 2);
        await Task.WhenAll(writers).WithinAsync("the writers to finish", 60);

        var final = await writer.GetPolicyAsync();
        Assert.All(acknowledged, kv => Assert.Equal(kv.Value, final.Entries.GetValueOrDefault(kv.Key)));
        await reader.WaitUntilAsync(r => r.Sync.Policy.Version == final.Version && r.Sync.Health.State == StoreHealthState.Serving, "the cache to resync");
        Assert.Equal(final.Entries, reader.Sync.Policy.Entries);
        Assert.True(servedDuringOutage > 0);
        Assert.Contains(reader.Healths, h => h.State == StoreHealthState.Degraded && h.Reason.Contains("Scoring continues from the cache"));
    }

    /// <summary>
    /// Timers run on a manual clock: the test advances it only until the cache has resynced, so the change
    /// written afterwards can reach the cache by pub/sub alone — proving the subscription survived the restart.
    /// </summary>
    [Fact]
    public async Task RedisKilledAndRestarted_AfterResync_NotificationsStillArrive()
    {
        var time = TestClock.Create();
        await using var server = await RedisServer.StartAsync();
        await using var replica = await Replica.StartAsync(Options(server.Options("ng"), "r"), versionCheck: TimeSpan.FromHours(1), time: time);

        server.Kill();
        await replica.WaitUntilAsync(r => r.Sync.Health.State == StoreHealthState.Degraded, "the cache to notice the outage");
        await server.StartProcessAsync();
        for (var i = 0; replica.Sync.Health.State != StoreHealthState.Serving; i++)
        {
            Assert.True(i < 400, $"no resync after {i} retries: {replica.Sync.Health}");
            time.Advance(TimeSpan.FromMilliseconds(200)); // one outage retry
            await Task.Delay(50);
        }
        await using var writer = await StoreFactory.OpenAsync(Options(server.Options("ng"), "w"));
        await writer.PutRecordAsync(RecordKind.Baseline, Fp, "b1", 1, TestRecords.Baseline(1), "calibrate");
        await writer.ActivateAsync(RecordKind.Baseline, Fp, "b1", "alice");

        await replica.WaitUntilAsync(r => r.Changes.Contains(StoreChange.Activated(RecordKind.Baseline, Fp, "b1")), "the notification after the restart");
    }

    [Fact]
    public async Task Start_RedisDownThenStarted_LoadsWithoutRestartAndReceivesChanges()
    {
        var server = await RedisServer.StartAsync();
        server.Kill();
        await using var _ = server;
        await using var replica = await Replica.StartAsync(Options(server.Options("ng"), "r"), versionCheck: TimeSpan.FromHours(1));
        Assert.Equal(StoreHealthState.NotServing, replica.Sync.Health.State);

        await server.StartProcessAsync();
        await replica.WaitUntilAsync(r => r.Sync.Health.State == StoreHealthState.Serving, "the first load once Redis is up");
        await using var writer = await StoreFactory.OpenAsync(Options(server.Options("ng"), "w"));
        await writer.TryUpdatePolicyAsync(0, [PolicyChange.Set("a", "1")], "alice");

        await replica.WaitUntilAsync(r => r.Sync.Policy.Version == 1, "the policy notification");
    }
}
