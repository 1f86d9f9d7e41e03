using System.Collections.Concurrent;
using NeuronGuard.Storage.Tests.Infrastructure;

namespace NeuronGuard.Storage.Tests.Contract;

/// <summary>
/// The behaviour every <see cref="IStore"/> must have. Run once per implementation by the derived classes,
/// so the embedded store and Redis cannot drift apart.
/// </summary>
public abstract partial class StoreContractTests : IAsyncLifetime
{
    private const string Fp = "model-a";
    private readonly List<IStore> _opened = [];

    protected IStore Store { get; private set; } = null!;

    /// <summary>Opens a fresh, empty store (its own directory or key prefix) with the given audit cap.</summary>
    protected abstract Task<IStore> OpenStoreAsync(int auditCap);

    protected async Task<IStore> OpenAsync(int auditCap = 100)
    {
        var store = await OpenStoreAsync(auditCap);
        _opened.Add(store);
        return store;
    }

    public async Task InitializeAsync() => Store = await OpenAsync();

    public virtual async Task DisposeAsync()
    {
        foreach (var store in _opened)
        {
            await store.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(RecordKind.Catalog)]
    [InlineData(RecordKind.Baseline)]
    public async Task PutRecord_NewVersion_RoundTripsPayloadAndMetadata(RecordKind kind)
    {
        var payload = TestRecords.Baseline(seed: 1, size: 5000);

        var outcome = await Store.PutRecordAsync(kind, Fp, "v1", 7, payload, "alice");
        var record = await Store.GetRecordAsync(kind, Fp, "v1");

        Assert.Equal(PutOutcome.Created, outcome);
        Assert.NotNull(record);
        Assert.Equal(payload, record.Payload.ToArray());
        Assert.Equal((kind, Fp, "v1", 7, "alice", 5000L), (record.Info.Kind, record.Info.Fingerprint, record.Info.Version, record.Info.FormatVersion, record.Info.Actor, record.Info.Length));
        Assert.Equal(64, record.Info.Sha256.Length);
    }

    [Fact]
    public async Task PutRecord_BaselineOf100kNeurons_RoundTrips()
    {
        var payload = TestRecords.Baseline(seed: 2, size: 100_000 * 48);

        await Store.PutRecordAsync(RecordKind.Baseline, Fp, "big", 1, payload, "calibrate");
        var record = await Store.GetRecordAsync(RecordKind.Baseline, Fp, "big");

        Assert.True(payload.AsSpan().SequenceEqual(record!.Payload.Span));
    }

    [Fact]
    public async Task PutRecord_ExistingVersion_ReturnsAlreadyExistsAndKeepsFirst()
    {
        await Store.PutRecordAsync(RecordKind.Catalog, Fp, "v1", 1, TestRecords.Catalog("first"), "alice");

        var outcome = await Store.PutRecordAsync(RecordKind.Catalog, Fp, "v1", 1, TestRecords.Catalog("second"), "bob");

        Assert.Equal(PutOutcome.AlreadyExists, outcome);
        var record = await Store.GetRecordAsync(RecordKind.Catalog, Fp, "v1");
        Assert.Equal("first", TestRecords.DecodeCatalog(record!.Info, record.Payload));
    }

    [Fact]
    public async Task GetRecord_MissingVersion_ReturnsNull()
    {
        Assert.Null(await Store.GetRecordAsync(RecordKind.Baseline, Fp, "nope"));
    }

    [Fact]
    public async Task ListRecords_SeveralVersions_ReturnsEachOnceOldestFirst()
    {
        foreach (var v in new[] { "v1", "v2", "v3" })
        {
            await Store.PutRecordAsync(RecordKind.Baseline, Fp, v, 1, TestRecords.Baseline(1), "alice");
            await Task.Delay(2); // distinct creation milliseconds so the order is defined
        }
        await Store.PutRecordAsync(RecordKind.Catalog, Fp, "c1", 1, TestRecords.Catalog("{}"), "alice");

        var list = await Store.ListRecordsAsync(RecordKind.Baseline, Fp);

        Assert.Equal(["v1", "v2", "v3"], list.Select(i => i.Version));
        Assert.All(list, i => Assert.Equal(1024, i.Length));
    }

    [Fact]
    public async Task ListModels_AfterPuts_ReturnsEachFingerprintOnce()
    {
        await Store.PutRecordAsync(RecordKind.Catalog, "m2", "v1", 1, TestRecords.Catalog("{}"), "alice");
        await Store.PutRecordAsync(RecordKind.Baseline, "m1", "v1", 1, TestRecords.Baseline(1), "alice");
        await Store.PutRecordAsync(RecordKind.Catalog, "m1", "v1", 1, TestRecords.Catalog("{}"), "alice");

        Assert.Equal(["m1", "m2"], await Store.ListModelsAsync());
    }

    [Fact]
    public async Task GetActive_NothingActivated_ReturnsNoVersions()
    {
        Assert.Equal(new ActivePointers(Fp, null, null), await Store.GetActiveAsync(Fp));
    }

    [Fact]
    public async Task Activate_PutVersions_SwitchesEachPointerIndependently()
    {
        await Store.PutRecordAsync(RecordKind.Catalog, Fp, "c1", 1, TestRecords.Catalog("{}"), "alice");
        await Store.PutRecordAsync(RecordKind.Baseline, Fp, "b1", 1, TestRecords.Baseline(1), "alice");
        await Store.PutRecordAsync(RecordKind.Baseline, Fp, "b2", 1, TestRecords.Baseline(2), "alice");

        await Store.ActivateAsync(RecordKind.Catalog, Fp, "c1", "alice");
        await Store.ActivateAsync(RecordKind.Baseline, Fp, "b1", "alice");
        await Store.ActivateAsync(RecordKind.Baseline, Fp, "b2", "bob");

        Assert.Equal(new ActivePointers(Fp, "c1", "b2"), await Store.GetActiveAsync(Fp));
    }

    [Fact]
    public async Task Activate_MissingVersion_ThrowsNotFoundAndKeepsPointer()
    {
        await Store.PutRecordAsync(RecordKind.Baseline, Fp, "b1", 1, TestRecords.Baseline(1), "alice");
        await Store.ActivateAsync(RecordKind.Baseline, Fp, "b1", "alice");

        var error = await Assert.ThrowsAsync<RecordNotFoundException>(() => Store.ActivateAsync(RecordKind.Baseline, Fp, "b9", "alice"));

        Assert.Contains("baseline 'b9' of model 'model-a' does not exist", error.Message);
        Assert.Equal("b1", (await Store.GetActiveAsync(Fp)).BaselineVersion);
    }

    [Theory]
    [InlineData("a:b")]
    [InlineData("../x")]
    [InlineData("")]
    [InlineData("has space")]
    public async Task PutRecord_InvalidFingerprint_ThrowsArgumentException(string fingerprint)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            Store.PutRecordAsync(RecordKind.Catalog, fingerprint, "v1", 1, TestRecords.Catalog("{}"), "alice"));

        Assert.Contains("A-Z a-z 0-9 . _ -", error.Message);
    }

    [Fact]
    public async Task Probe_AfterChanges_ReportsPolicyVersionAndActivePointers()
    {
        await Store.PutRecordAsync(RecordKind.Baseline, Fp, "b1", 1, TestRecords.Baseline(1), "alice");
        await Store.PutRecordAsync(RecordKind.Catalog, "model-b", "c1", 1, TestRecords.Catalog("{}"), "alice");
        await Store.ActivateAsync(RecordKind.Baseline, Fp, "b1", "alice");
        await Store.TryUpdatePolicyAsync(null, [PolicyChange.Set("x", "{}")], "alice");

        var stamp = await Store.ProbeAsync();

        Assert.Equal(1, stamp.PolicyVersion);
        Assert.Equal(new ActivePointers(Fp, null, "b1"), stamp.Active[Fp]);
        Assert.False(stamp.Active.TryGetValue("model-b", out var b) && (b.CatalogVersion ?? b.BaselineVersion) is not null);
    }

    [Fact]
    public async Task Subscribe_ActivationAndPolicyWrite_DeliversBothChanges()
    {
        var seen = new ConcurrentQueue<StoreChange>();
        var both = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var _ = await Store.SubscribeAsync(c =>
        {
            seen.Enqueue(c);
            if (seen.Count >= 2) both.TrySetResult(true);
        });
        await Store.PutRecordAsync(RecordKind.Baseline, Fp, "b1", 1, TestRecords.Baseline(1), "alice");

        await Store.ActivateAsync(RecordKind.Baseline, Fp, "b1", "alice");
        await Store.TryUpdatePolicyAsync(null, [PolicyChange.Set("x", "{}")], "alice");
        await both.Task.WithinAsync("two change notifications");

        Assert.Equal([StoreChange.Activated(RecordKind.Baseline, Fp, "b1"), new StoreChange(StoreChangeKind.PolicyChanged, null, "1")], seen.ToArray());
    }
}
