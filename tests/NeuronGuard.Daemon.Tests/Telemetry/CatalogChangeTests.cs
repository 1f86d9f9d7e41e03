using NeuronGuard.ModelServer;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Scoring;
using Grpc.Net.Client;
using NeuronGuard.Storage;

namespace NeuronGuard.Daemon.Tests.Telemetry;

/// <summary>
/// Activating a new catalog reaches a connected model server as a new Welcome, and applies at a request boundary:
/// the request already running keeps its slots, requests started after the server's re-Hello use the new ones.
/// </summary>
public sealed class CatalogChangeTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-catalog-change-").FullName;
    private DaemonHost _daemon = null!;

    public async Task InitializeAsync() => _daemon = await ServeHost.StartAsync(new DaemonOptions
    {
        Listen = "127.0.0.1:0", DataDir = _dir, LogLevel = "Warning", Metrics = new MetricsOptions { Listen = "" },
    });

    [Fact]
    public async Task NewCatalog_Welcome_AtRequestBoundary()
    {
        string fp = _daemon.BuiltinHost()!.Host.Info.Fingerprint;
        var old = _daemon.Context.Plans.Get(fp).Plan!;
        using var channel = GrpcChannel.ForAddress(_daemon.Address);
        await using var s = new RawModelServer(channel);
        await s.HelloAsync(fp, "switcher");
        await s.ExpectAsync(m => m.Welcome is not null, "first Welcome");
        await s.StartAsync("running");
        await s.FrameAsync("running", 0, 1, Values(old, 1));
        await s.ExpectVerdictAsync("running");

        var (catalog, baseline) = WithoutSet(old, "safety", "fixture-2");
        var store = _daemon.Context.Store;
        await store.PutRecordAsync(RecordKind.Catalog, fp, "fixture-2", Catalog.CurrentFormat, CatalogJson.Serialize(catalog), "test");
        await store.PutRecordAsync(RecordKind.Baseline, fp, "fixture-2", BaselineFormat.Version, BaselineFormat.Write(baseline), "test");
        await store.ActivateAsync(RecordKind.Baseline, fp, "fixture-2", "test");
        await store.ActivateAsync(RecordKind.Catalog, fp, "fixture-2", "test");

        var welcome = (await s.ExpectAsync(m => m.Welcome?.CatalogVersion == "fixture-2", "Welcome for catalog fixture-2")).Welcome;
        int newSlots = welcome.Slots.Count;
        Assert.True(newSlots < old.Slots.Count, $"the new catalog has {newSlots} slots, the old {old.Slots.Count}");

        // The running request still speaks the old slot count.
        await s.FrameAsync("running", 1, 1, Values(old, 1));
        Assert.Equal(1u, (await s.ExpectVerdictAsync("running")).Step);
        // After the re-Hello, new requests use the new slots.
        await s.HelloAsync(fp, "switcher", "fixture-2");
        await s.StartAsync("new");
        await s.FrameAsync("new", 0, 1, Enumerable.Repeat(0.01f, newSlots));
        Assert.Equal(0u, (await s.ExpectVerdictAsync("new")).Step);
        Assert.DoesNotContain(s.Seen, m => m.Error is not null);
    }

    private static float[] Values(MonitorPlan plan, int steps) =>
        Enumerable.Range(0, steps * plan.Slots.Count).Select(i => plan.Baseline.Slots[i % plan.Slots.Count].Mean).ToArray();

    /// <summary>The plan's catalog without one set, and its baseline cut to match (a recalibration would give the same statistics).</summary>
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
