using NeuronGuard.Storage.Sync;
using NeuronGuard.Storage.Tests.Infrastructure;

namespace NeuronGuard.Storage.Tests.Sync;

/// <summary>
/// A real redis-server restarted without persistence under a cache that holds a policy and an active catalog: the
/// loss is reported (policy and pointer both) and stays until resolved; write-back puts the catalog back from the
/// local snapshot and the policy at a version above the cache's.
/// </summary>
public sealed class StoreSyncDataLossTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task RedisRestartedEmpty_LossReportedUntilWriteBack_WhichRestoresPolicyAndCatalog()
    {
        await using var server = await RedisServer.StartAsync();
        var options = new StoreOptions { Kind = StoreKind.Redis, DataDirectory = _directory.Sub("a"), Redis = server.Options("loss") };
        await using var replica = await Replica.StartAsync(options, versionCheck: TimeSpan.FromMilliseconds(200));
        await replica.Store.PutRecordAsync(RecordKind.Catalog, "m", "c1", 1, TestRecords.Catalog("one"), "alice");
        await replica.Store.ActivateAsync(RecordKind.Catalog, "m", "c1", "alice");
        await replica.Store.TryUpdatePolicyAsync(0, [PolicyChange.Set("toxicity/global", "{\"on\":true}")], "alice");
        await replica.Store.TryUpdatePolicyAsync(1, [PolicyChange.Set("backdoor/global", "{\"on\":true}")], "alice");
        await replica.WaitUntilAsync(r => r.Sync.Policy.Version == 2 && r.Sync.GetModel("m")?.Catalog is not null, "the cache to load");
        Assert.Null(replica.Sync.Health.DataLoss);
        Assert.True(replica.Sync.Health.Ready);

        server.Kill();
        await server.StartProcessAsync();
        await replica.WaitUntilAsync(r => r.Sync.Health.DataLoss?.Contains("catalog 'c1' of model 'm'") == true, "the loss to be seen");

        var lost = replica.Sync.Health.DataLoss!;
        Assert.Contains("older than the cached version 2", lost);
        Assert.Contains("--write-back", lost);
        Assert.False(replica.Sync.Health.Ready);
        Assert.True(replica.Sync.Health.CanServe); // scoring goes on from the cache
        Assert.Equal(2, replica.Sync.Policy.Version);
        Assert.Equal(1, replica.Sync.DataLossEvents);

        var done = await replica.Sync.ResolveDataLossAsync(writeBack: true, "operator");

        Assert.True(done.Applied);
        Assert.Equal(3, done.PolicyVersion);
        Assert.Contains("catalog 'c1' of model 'm' put back and activated", Assert.Single(done.Restored));
        Assert.Empty(done.NotRestored);
        await replica.WaitUntilAsync(r => r.Sync.Health.DataLoss is null, "the loss to clear");
        Assert.True(replica.Sync.Health.Ready);
        Assert.Equal(2, (await replica.Store.GetPolicyAsync()).Entries.Count);
        Assert.Equal("c1", (await replica.Store.GetActiveAsync("m")).CatalogVersion);
        Assert.Equal(AuditActions.PolicyRestore, (await replica.Store.ReadAuditAsync(0, 10)).Select(a => a.Action).Last(a => a.StartsWith("policy", StringComparison.Ordinal)));
        await Assert.ThrowsAsync<InvalidOperationException>(() => replica.Sync.ResolveDataLossAsync(writeBack: false, "operator"));
    }

    [Fact]
    public async Task PolicyAtTheCachedVersion_IsNotALoss()
    {
        // The boundary: a store whose version equals the cache's is this cache's own version, not a regression.
        await using var server = await RedisServer.StartAsync();
        var options = new StoreOptions { Kind = StoreKind.Redis, DataDirectory = _directory.Sub("b"), Redis = server.Options("eq") };
        await using var replica = await Replica.StartAsync(options, versionCheck: TimeSpan.FromMilliseconds(100));
        await replica.Store.TryUpdatePolicyAsync(0, [PolicyChange.Set("a/global", "{}")], "alice");
        await replica.WaitUntilAsync(r => r.Sync.Policy.Version == 1, "the cache to load v1");
        for (var i = 0; i < 5; i++)
        {
            await replica.Sync.SyncNowAsync();
        }
        Assert.Null(replica.Sync.Health.DataLoss);
        Assert.Equal(StoreHealthState.Serving, replica.Sync.Health.State);
        Assert.Equal(0, replica.Sync.DataLossEvents);
    }
}
