using Grpc.Core;
using Grpc.Net.Client;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Daemon.Tests.Telemetry;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Scoring;
using NeuronGuard.ModelServer;
using NeuronGuard.Storage;
using Catalog = NeuronGuard.Engine.Catalogs.Catalog;

namespace NeuronGuard.Daemon.Tests.Records;

/// <summary>
/// Catalog and baseline activate as a pair on the real daemon (issue 18 item 4): a catalog without a calibrated
/// baseline is refused while the model is monitored, a baseline for another catalog is refused, a catalog with one is
/// activated together with it, and the connected model server gets the new Welcome.
/// </summary>
public sealed class ActivationPairTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-activation-pair-").FullName;
    private DaemonHost _daemon = null!;

    public async Task InitializeAsync() => _daemon = await ServeHost.StartAsync(new DaemonOptions
    {
        Listen = "127.0.0.1:0", DataDir = _dir, LogLevel = "Warning", Metrics = new MetricsOptions { Listen = "" },
    });

    [Fact]
    public async Task ActivateCatalog_WithoutBaseline_RefusedThenPairedOnceCalibrated_WelcomeSent()
    {
        string fp = _daemon.BuiltinHost()!.Host.Info.Fingerprint;
        var store = _daemon.Context.Store;
        var before = await store.GetActiveAsync(fp);
        var old = _daemon.Context.Plans.Get(fp).Plan!;
        using var channel = GrpcChannel.ForAddress(_daemon.Address);
        var catalogs = new Catalogs.CatalogsClient(channel);
        var baselines = new Baselines.BaselinesClient(channel);
        await using var s = new RawModelServer(channel);
        await s.HelloAsync(fp, "pair-watcher");
        await s.ExpectAsync(m => m.Welcome is not null, "first Welcome");

        var (catalog, baseline) = WithoutSet(old, "safety", "fixture-2");
        await store.PutRecordAsync(RecordKind.Catalog, fp, "fixture-2", Catalog.CurrentFormat, CatalogJson.Serialize(catalog), "test");

        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await catalogs.ActivateCatalogAsync(new ActivateCatalogRequest { ModelFingerprint = fp, Version = "fixture-2" }));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("has no calibrated baseline", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("calibrate one for it first", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await store.GetActiveAsync(fp));

        await store.PutRecordAsync(RecordKind.Baseline, fp, "b-fixture-2", BaselineFormat.Version, BaselineFormat.Write(baseline), "test");
        var reply = await catalogs.ActivateCatalogAsync(new ActivateCatalogRequest { ModelFingerprint = fp, Version = "fixture-2" });
        Assert.Equal(before.CatalogVersion, reply.PreviousVersion);
        var after = await store.GetActiveAsync(fp);
        Assert.Equal(("fixture-2", "b-fixture-2"), (after.CatalogVersion, after.BaselineVersion));

        var welcome = (await s.ExpectAsync(m => m.Welcome?.CatalogVersion == "fixture-2", "Welcome for the new pair")).Welcome;
        Assert.Equal("b-fixture-2", welcome.BaselineVersion);
        Assert.Equal(SlotLayout.From(catalog).Count, welcome.Slots.Count);

        // The old baseline belongs to the old catalog: activating it now would leave 0 slots.
        var mismatch = await Assert.ThrowsAsync<RpcException>(async () =>
            await baselines.ActivateBaselineAsync(new ActivateBaselineRequest { ModelFingerprint = fp, Version = before.BaselineVersion! }));
        Assert.Equal(StatusCode.FailedPrecondition, mismatch.StatusCode);
        Assert.Contains($"calibrated for catalog '{before.CatalogVersion}' but the active catalog is 'fixture-2'", mismatch.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(after, await store.GetActiveAsync(fp));

        // Switching back by catalog brings its newest baseline with it.
        await catalogs.ActivateCatalogAsync(new ActivateCatalogRequest { ModelFingerprint = fp, Version = before.CatalogVersion! });
        Assert.Equal(before, await store.GetActiveAsync(fp));
        await s.ExpectAsync(m => m.Welcome?.CatalogVersion == before.CatalogVersion, "Welcome back to the first catalog");
    }

    /// <summary>Issue 24 item 11: with several baselines calibrated for a catalog, activating it picks the newest stored.</summary>
    [Fact]
    public async Task ActivateCatalog_WithSeveralBaselines_ActivatesTheNewest()
    {
        string fp = _daemon.BuiltinHost()!.Host.Info.Fingerprint;
        var store = _daemon.Context.Store;
        using var channel = GrpcChannel.ForAddress(_daemon.Address);
        var catalogs = new Catalogs.CatalogsClient(channel);
        var (catalog, baseline) = WithoutSet(_daemon.Context.Plans.Get(fp).Plan!, "safety", "fixture-3");
        await store.PutRecordAsync(RecordKind.Catalog, fp, "fixture-3", Catalog.CurrentFormat, CatalogJson.Serialize(catalog), "test");
        // Stored oldest to newest; the names sort in another order, so "newest" cannot be an accident of sorting.
        foreach (var version in new[] { "z-oldest", "a-middle", "m-newest" })
        {
            await store.PutRecordAsync(RecordKind.Baseline, fp, version, BaselineFormat.Version, BaselineFormat.Write(baseline), "test");
        }
        await catalogs.ActivateCatalogAsync(new ActivateCatalogRequest { ModelFingerprint = fp, Version = "fixture-3" });
        var after = await store.GetActiveAsync(fp);
        Assert.Equal(("fixture-3", "m-newest"), (after.CatalogVersion, after.BaselineVersion));
    }

    [Fact]
    public async Task CatalogForAnotherShape_RefusedAtPutAndActivate_NotScored()
    {
        string fp = _daemon.BuiltinHost()!.Host.Info.Fingerprint;
        var info = _daemon.BuiltinHost()!.Host.Info;
        var old = _daemon.Context.Plans.Get(fp).Plan!;
        var before = await _daemon.Context.Store.GetActiveAsync(fp);
        // The same neurons, declared for a 12 × 3072 model: consistent in itself, wrong for the served one.
        var big = old.Layout.Catalog with { Version = "big", Model = old.Layout.Catalog.Model with { Layers = 12, NeuronsPerLayer = 3072 } };
        using var channel = GrpcChannel.ForAddress(_daemon.Address);
        var catalogs = new Catalogs.CatalogsClient(channel);

        var put = await Assert.ThrowsAsync<RpcException>(async () =>
            await catalogs.PutCatalogAsync(new PutCatalogRequest { Catalog = NeuronGuard.Daemon.Records.CatalogMapping.ToProto(big) }));
        Assert.Equal(StatusCode.InvalidArgument, put.StatusCode);
        Assert.Contains($"the catalog says 12 layers × 3072 neurons but the model has {info.Layers} × {info.MlpNeurons}", put.Status.Detail, StringComparison.Ordinal);

        // Put behind the API's back (another daemon, an older version): activation refuses it too.
        await _daemon.Context.Store.PutRecordAsync(RecordKind.Catalog, fp, "big", Catalog.CurrentFormat, CatalogJson.Serialize(big), "test");
        var activate = await Assert.ThrowsAsync<RpcException>(async () =>
            await catalogs.ActivateCatalogAsync(new ActivateCatalogRequest { ModelFingerprint = fp, Version = "big" }));
        Assert.Equal(StatusCode.FailedPrecondition, activate.StatusCode);
        Assert.Contains("does not fit the model this daemon serves", activate.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await _daemon.Context.Store.GetActiveAsync(fp));
    }

    /// <summary>The plan's catalog without one set, and its baseline cut to match (as CatalogChangeTests builds it).</summary>
    private static (Catalog, Baseline) WithoutSet(MonitorPlan plan, string set, string version)
    {
        var catalog = plan.Layout.Catalog with { Version = version, Sets = plan.Layout.Catalog.Sets.Where(s => s.Name != set).ToList() };
        var kept = SlotLayout.From(catalog).Slots.ToHashSet();
        var baseline = plan.Baseline with
        {
            CatalogVersion = version,
            Slots = plan.Baseline.Slots.Where(s => kept.Contains(s.Neuron)).ToList(),
            Detectors = plan.Baseline.Detectors.Where(d => !d.Name.EndsWith(":" + set, StringComparison.Ordinal)).ToList(),
        };
        return (catalog, baseline);
    }

    public async Task DisposeAsync()
    {
        await _daemon.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
