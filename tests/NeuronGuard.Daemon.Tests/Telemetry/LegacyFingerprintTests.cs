using Grpc.Net.Client;
using NeuronGuard.Api.V1;
using Catalog = NeuronGuard.Engine.Catalogs.Catalog;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Scoring;
using NeuronGuard.ModelServer;
using NeuronGuard.Storage;

namespace NeuronGuard.Daemon.Tests.Telemetry;

/// <summary>
/// The fingerprint transition (recipe 1, shapes → recipe 2, weights): a catalog and baseline stored under a model's
/// legacy fingerprint serve a host whose Hello carries the new fingerprint and the legacy one, until a catalog is
/// activated under the new fingerprint; a Hello without the legacy value finds nothing.
/// </summary>
public sealed class LegacyFingerprintTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-legacy-fp-").FullName;
    private DaemonHost _daemon = null!;

    public async Task InitializeAsync() => _daemon = await ServeHost.StartAsync(new DaemonOptions
    {
        Listen = "127.0.0.1:0", DataDir = _dir, LogLevel = "Warning", Metrics = new MetricsOptions { Listen = "" },
    });

    [Fact]
    public async Task HelloWithLegacyFingerprint_IsServedTheLegacyCatalog_UntilOneIsActiveUnderTheNewFingerprint()
    {
        var host = _daemon.BuiltinHost()!.Host;
        var plan = _daemon.Context.Plans.Get(host.Info.Fingerprint).Plan!;
        string legacy = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        string current = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
        var catalog = plan.Layout.Catalog with { Model = plan.Layout.Catalog.Model with { Fingerprint = legacy } };
        var baseline = plan.Baseline with { Fingerprint = legacy };
        var store = _daemon.Context.Store;
        await Put(store, legacy, catalog, baseline);

        using var channel = GrpcChannel.ForAddress(_daemon.Address);
        await using (var bare = new RawModelServer(channel))
        {
            await bare.HelloAsync(current, "no-legacy");
            Assert.Empty((await bare.ExpectAsync(m => m.Welcome is not null, "Welcome without the legacy value")).Welcome.Slots);
        }
        await using var s = new RawModelServer(channel);
        await s.SendAsync(new ModelServerMessage { Hello = new Hello { ServerId = "upgraded", ModelFingerprint = current, LegacyFingerprint = legacy } });
        var welcome = (await s.ExpectAsync(m => m.Welcome is not null, "Welcome through the alias")).Welcome;
        Assert.Equal(plan.Slots.Count, welcome.Slots.Count);
        Assert.Equal(catalog.Version, welcome.CatalogVersion);
        Assert.Equal(legacy, _daemon.Context.Plans.AliasedTo(current));

        // Re-bound under the new fingerprint (a smaller catalog): the alias ends and the stream gets the new one.
        var smaller = catalog with { Model = catalog.Model with { Fingerprint = current }, Version = "recipe-2", Sets = catalog.Sets.Take(1).ToList() };
        var kept = SlotLayout.From(smaller).Slots.ToHashSet();
        var cut = baseline with
        {
            Fingerprint = current, CatalogVersion = "recipe-2", Slots = baseline.Slots.Where(x => kept.Contains(x.Neuron)).ToList(),
            Detectors = baseline.Detectors.Where(d => !catalog.Sets.Skip(1).Any(x => d.Name.EndsWith(":" + x.Name, StringComparison.Ordinal))).ToList(),
        };
        await Put(store, current, smaller, cut);
        var rebound = (await s.ExpectAsync(m => m.Welcome?.CatalogVersion == "recipe-2", "Welcome for the catalog under the new fingerprint")).Welcome;
        Assert.Equal(kept.Count, rebound.Slots.Count);
        Assert.Null(_daemon.Context.Plans.AliasedTo(current));
    }

    private static async Task Put(IStore store, string fp, Catalog catalog, Baseline baseline)
    {
        await store.PutRecordAsync(RecordKind.Catalog, fp, catalog.Version, Catalog.CurrentFormat, CatalogJson.Serialize(catalog), "test");
        await store.PutRecordAsync(RecordKind.Baseline, fp, catalog.Version, BaselineFormat.Version, BaselineFormat.Write(baseline), "test");
        await store.ActivateAsync(RecordKind.Baseline, fp, catalog.Version, "test");
        await store.ActivateAsync(RecordKind.Catalog, fp, catalog.Version, "test");
    }

    public async Task DisposeAsync()
    {
        await _daemon.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
