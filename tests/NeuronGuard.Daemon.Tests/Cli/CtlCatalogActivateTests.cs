using System.CommandLine;
using NeuronGuard.Cli.Commands;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Daemon.Tests.Telemetry;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Scoring;
using NeuronGuard.ModelServer;
using NeuronGuard.Storage;
using Catalog = NeuronGuard.Engine.Catalogs.Catalog;

namespace NeuronGuard.Daemon.Tests.Cli;

/// <summary>
/// `ctl catalog activate` on the real daemon serving the fixture (issue 24 items 9 and 11): with several baselines
/// calibrated for the catalog the newest is activated with it and the output names the pair; without one it is refused.
/// </summary>
public sealed class CtlCatalogActivateTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-ctl-activate-").FullName;
    private DaemonHost _daemon = null!;

    public async Task InitializeAsync() => _daemon = await ServeHost.StartAsync(new DaemonOptions
    {
        Listen = "127.0.0.1:0", DataDir = _dir, LogLevel = "Warning", Metrics = new MetricsOptions { Listen = "" },
    });

    public async Task DisposeAsync()
    {
        await _daemon.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task CatalogActivate_SeveralBaselines_NewestActivatedAndNamed_NoBaselineRefused()
    {
        string fp = _daemon.BuiltinHost()!.Host.Info.Fingerprint;
        var store = _daemon.Context.Store;
        var before = await store.GetActiveAsync(fp);
        var plan = _daemon.Context.Plans.Get(fp).Plan!;
        var (catalog, baseline) = WithoutSet(plan, "safety", "fixture-2");
        await store.PutRecordAsync(RecordKind.Catalog, fp, "fixture-2", Catalog.CurrentFormat, CatalogJson.Serialize(catalog), "test");
        // Put one after the other: the store orders by creation time (then by version, which agrees here).
        await store.PutRecordAsync(RecordKind.Baseline, fp, "b-1-older", BaselineFormat.Version, BaselineFormat.Write(baseline), "test");
        await store.PutRecordAsync(RecordKind.Baseline, fp, "b-2-newer", BaselineFormat.Version, BaselineFormat.Write(baseline), "test");

        var activate = await RunAsync($"ctl --server {_daemon.Address} catalog activate --model {fp} fixture-2");
        Assert.True(activate.Code == 0, activate.Err);
        Assert.Contains($"catalog 'fixture-2' and baseline 'b-2-newer' (the newest calibrated for it) are active for model {fp} " +
            $"(was catalog '{before.CatalogVersion}', baseline '{before.BaselineVersion}')", activate.Out);
        var after = await store.GetActiveAsync(fp);
        Assert.Equal(("fixture-2", "b-2-newer"), (after.CatalogVersion, after.BaselineVersion));

        var (lonely, _) = WithoutSet(plan, "toxicity", "fixture-3");
        await store.PutRecordAsync(RecordKind.Catalog, fp, "fixture-3", Catalog.CurrentFormat, CatalogJson.Serialize(lonely), "test");
        var refused = await RunAsync($"ctl --server {_daemon.Address} catalog activate --model {fp} fixture-3");
        Assert.Equal(1, refused.Code);
        Assert.Contains("catalog 'fixture-3' of model", refused.Err);
        Assert.Contains("has no calibrated baseline", refused.Err);
        Assert.Equal(after, await store.GetActiveAsync(fp));
    }

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

    private static async Task<(int Code, string Out, string Err)> RunAsync(string args)
    {
        var root = new RootCommand { CtlCommand.Create() };
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }
}
