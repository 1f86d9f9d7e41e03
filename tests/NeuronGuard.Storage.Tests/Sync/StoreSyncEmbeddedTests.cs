using NeuronGuard.Storage.Sync;
using NeuronGuard.Storage.Tests.Infrastructure;

namespace NeuronGuard.Storage.Tests.Sync;

/// <summary>The cache over the embedded store: in-process notifications, decoding, health.</summary>
public sealed class StoreSyncEmbeddedTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private Replica _replica = null!;

    private IStore Store => _replica.Store;

    public async Task InitializeAsync() =>
        _replica = await Replica.StartAsync(new StoreOptions { Kind = StoreKind.Embedded, DataDirectory = _directory.Path });

    public async Task DisposeAsync()
    {
        await _replica.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public void Start_EmptyEmbeddedStore_ServingWithEmptyPolicy()
    {
        Assert.Equal(StoreHealthState.Serving, _replica.Sync.Health.State);
        Assert.Contains("embedded store at", _replica.Sync.Health.Reason);
        Assert.Equal(0, _replica.Sync.Policy.Version);
    }

    [Fact]
    public async Task Activate_CatalogAndBaseline_CacheServesDecodedValues()
    {
        await Store.PutRecordAsync(RecordKind.Catalog, "m", "c1", 1, TestRecords.Catalog("catalog one"), "alice");
        await Store.PutRecordAsync(RecordKind.Baseline, "m", "b1", 1, TestRecords.Baseline(4), "alice");

        await Store.ActivateAsync(RecordKind.Catalog, "m", "c1", "alice");
        await Store.ActivateAsync(RecordKind.Baseline, "m", "b1", "alice");
        await _replica.WaitUntilAsync(r => r.Changes.Contains(StoreChange.Activated(RecordKind.Baseline, "m", "b1"))
            && r.Changes.Contains(StoreChange.Activated(RecordKind.Catalog, "m", "c1")), "both activations");

        var model = _replica.Sync.GetModel("m")!;
        Assert.Equal("catalog one", model.Catalog!.Value);
        Assert.Equal(TestRecords.Baseline(4), model.Baseline!.Value);
        Assert.Equal(["m"], _replica.Sync.Models);
    }

    [Fact]
    public async Task Activate_DecoderRejectsFormat_KeepsPreviousAndReportsDegraded()
    {
        await Store.PutRecordAsync(RecordKind.Baseline, "m", "b1", 1, TestRecords.Baseline(1), "alice");
        await Store.ActivateAsync(RecordKind.Baseline, "m", "b1", "alice");
        await _replica.WaitUntilAsync(r => r.Changes.Contains(StoreChange.Activated(RecordKind.Baseline, "m", "b1")), "b1 to load");
        await Store.PutRecordAsync(RecordKind.Baseline, "m", "b2", 2, TestRecords.Baseline(2), "alice");

        await Store.ActivateAsync(RecordKind.Baseline, "m", "b2", "alice");
        await _replica.WaitUntilAsync(r => r.Sync.Health.State == StoreHealthState.Degraded, "degraded health");

        Assert.Equal("b1", _replica.Sync.GetModel("m")!.Baseline!.Info.Version);
        var failure = Assert.Single(_replica.Sync.LoadFailures);
        Assert.Equal(new RecordLoadFailure(RecordKind.Baseline, "m", "b2", "b1", "the decoder rejected it: unsupported baseline format 2; this build reads 1"), failure);
        Assert.Equal(failure.ToString(), _replica.Sync.Health.Reason);
    }

    [Fact]
    public async Task PolicyWrite_InProcess_CacheRaisesChangedWithNewVersion()
    {
        await Store.TryUpdatePolicyAsync(0, [PolicyChange.Set("toxicity/global", "{\"mode\":\"shadow\"}")], "alice");

        await _replica.WaitUntilAsync(r => r.Changes.Contains(new StoreChange(StoreChangeKind.PolicyChanged, null, "1")), "the policy change");

        Assert.Equal("{\"mode\":\"shadow\"}", _replica.Sync.Policy.Entries["toxicity/global"]);
    }

    [Fact]
    public void Constructor_ZeroVersionCheckInterval_ThrowsNamingTheSetting()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new StoreSync<string, byte[]>(Store, TestRecords.DecodeCatalog,
            TestRecords.DecodeBaseline, new StoreSyncOptions { VersionCheckInterval = TimeSpan.Zero }, null));

        Assert.Contains("Store:Sync:VersionCheckInterval", error.Message);
    }
}
