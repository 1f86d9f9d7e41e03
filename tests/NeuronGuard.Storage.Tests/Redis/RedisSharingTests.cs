using NeuronGuard.Storage.Redis;
using NeuronGuard.Storage.Sync;
using NeuronGuard.Storage.Tests.Infrastructure;

namespace NeuronGuard.Storage.Tests.Redis;

/// <summary>
/// Two daemon instances on one Redis. The version check is set to an hour unless a test drives it, so a
/// change can only arrive by pub/sub notification.
/// </summary>
[Collection(SharedRedisCollection.Name)]
public sealed class RedisSharingTests(SharedRedis redis) : IAsyncLifetime
{
    private const string Fp = "gpt2-abc";
    private readonly string _prefix = SharedRedis.NewPrefix();
    private readonly TempDirectory _directory = new();
    private readonly List<Replica> _replicas = [];

    private StoreOptions Options(string name) => new()
    {
        Kind = StoreKind.Redis,
        DataDirectory = _directory.Sub(name),
        Redis = redis.Server.Options(_prefix),
    };

    private async Task<Replica> StartReplicaAsync(string name, TimeProvider? time = null, TimeSpan? versionCheck = null)
    {
        var replica = await Replica.StartAsync(Options(name), versionCheck, time);
        _replicas.Add(replica);
        return replica;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var r in _replicas) await r.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task PolicyWrite_OnOneReplica_OtherReplicaReloadsOnNotification()
    {
        var a = await StartReplicaAsync("a");
        var b = await StartReplicaAsync("b");

        var result = await a.Store.TryUpdatePolicyAsync(0, [PolicyChange.Set("toxicity/global", "{\"mode\":\"always\"}")], "alice");
        await b.WaitUntilAsync(r => r.Changes.Contains(new StoreChange(StoreChangeKind.PolicyChanged, null, "1")), "replica b to raise the policy change");

        Assert.Equal(result.Version, b.Sync.Policy.Version);
        Assert.Equal("{\"mode\":\"always\"}", b.Sync.Policy.Entries["toxicity/global"]);
        Assert.Equal(StoreHealthState.Serving, b.Sync.Health.State);
    }

    [Fact]
    public async Task BaselineActivated_OnOneReplica_OtherReplicaServesDecodedBaseline()
    {
        var a = await StartReplicaAsync("a");
        var b = await StartReplicaAsync("b");
        var payload = TestRecords.Baseline(seed: 5);

        await a.Store.PutRecordAsync(RecordKind.Baseline, Fp, "b1", 1, payload, "calibrate");
        await a.Store.ActivateAsync(RecordKind.Baseline, Fp, "b1", "alice");
        await b.WaitUntilAsync(r => r.Changes.Contains(StoreChange.Activated(RecordKind.Baseline, Fp, "b1")), "replica b to raise the activation");

        Assert.Equal(payload, b.Sync.GetModel(Fp)!.Baseline!.Value);
    }

    [Fact]
    public async Task PolicyWriters_OnTwoConnections_NoUpdateLost()
    {
        var a = await StartReplicaAsync("a");
        var b = await StartReplicaAsync("b");

        async Task IncrementAsync(IStore store, string actor)
        {
            for (var i = 0; i < 25; i++)
            {
                PolicyWriteResult result;
                do
                {
                    var policy = await store.GetPolicyAsync();
                    var count = policy.Entries.TryGetValue("n", out var v) ? int.Parse(v) : 0;
                    result = await store.TryUpdatePolicyAsync(policy.Version, [PolicyChange.Set("n", (count + 1).ToString())], actor);
                }
                while (!result.Applied);
            }
        }
        await Task.WhenAll(IncrementAsync(a.Store, "alice"), IncrementAsync(b.Store, "bob"), IncrementAsync(a.Store, "carol"));

        await b.WaitUntilAsync(r => r.Sync.Policy.Version == 75, "replica b to reach policy v75");
        Assert.Equal("75", b.Sync.Policy.Entries["n"]);
        Assert.Equal("75", (await a.Store.GetPolicyAsync()).Entries["n"]);
    }

    [Fact]
    public async Task MissedNotification_PeriodicVersionCheck_CatchesChange()
    {
        var time = TestClock.Create();
        var b = await StartReplicaAsync("b", time, versionCheck: TimeSpan.FromSeconds(5));
        var raw = (RedisStore)b.Store;
        // A write that publishes nothing, as if the notification had been lost.
        await raw.Connection.Database.HashSetAsync(raw.Keys.Policy, "silent", "{}");
        await raw.Connection.Database.StringIncrementAsync(raw.Keys.PolicyVersion);
        await Task.Delay(100); // let a (wrong) notification arrive if one were sent
        Assert.Equal(0, b.Sync.Policy.Version);
        // One version-check period at a time until the check has loaded v1 (the first advance may precede the timer).
        for (var i = 0; b.Sync.Policy.Version != 1; i++)
        {
            Assert.True(i < 400, $"the periodic check did not load policy v1 after {i} periods");
            time.Advance(TimeSpan.FromSeconds(5));
            await Task.Delay(50);
        }

        Assert.Equal("{}", b.Sync.Policy.Entries["silent"]);
    }
}
