using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Engine;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Scoring;
using NeuronGuard.Storage;
using Catalog = NeuronGuard.Engine.Catalogs.Catalog;

namespace NeuronGuard.Bench.Live;

/// <summary>
/// A synthetic catalog + baseline of <c>slots</c> neurons for a made-up model fingerprint, put and activated in the
/// daemon's store the way the fixture bootstrap does it, so streams can say Hello for a realistically wide model
/// (the fixture catalogs only 10 planted neurons). Four equal sets (toxicity, safety, backdoor, custom) on layers
/// 0–3, every slot N(0, 1) with a flat histogram and every detector's threshold at 3 (see Detection/ScorerCost.cs).
/// </summary>
internal static class WideCatalog
{
    private const string Actor = "neuronguard live benchmark";

    public static async Task<MonitorPlan> PutAsync(DaemonContext ctx, string fingerprint, int slots, CancellationToken ct)
    {
        var rng = new Random(7);
        var kinds = new[] { NeuronSetKind.Toxicity, NeuronSetKind.Safety, NeuronSetKind.Backdoor, NeuronSetKind.Custom };
        var sets = kinds.Select((k, s) => new NeuronSet
        {
            Name = k.ToString().ToLowerInvariant(),
            Kind = k,
            Neurons = Enumerable.Range(0, slots / 4).Select(i => new CatalogNeuron { Layer = s, Index = i, Score = 0.5 + rng.NextDouble() / 2 }).ToList(),
            Provenance = new Provenance { Method = "synthetic (live benchmark)", Data = "none", Date = "2026-11" },
        }).ToList();
        string version = $"bench-{slots}";
        var catalog = new Catalog { Model = new ModelShape { Fingerprint = fingerprint, Layers = 4, NeuronsPerLayer = slots }, Version = version, Sets = sets };
        var layout = SlotLayout.From(catalog);
        var baseline = new Baseline
        {
            Fingerprint = fingerprint, CatalogVersion = version, Bins = 32, MassThreshold = 0.001f, TargetFpr = 0.01f,
            Slots = layout.Slots.Select(n => new SlotBaseline(n, 0f, 1f, 1f, -3f, 3f, Enumerable.Repeat((ushort)2048, 32).ToArray())).ToArray(),
            Detectors = DetectorSpec.For(layout).Select(d => new DetectorCalibration(d.Name, 3f, [])).ToArray(),
        };
        return await ActivateAsync(ctx, catalog, baseline, ct);
    }

    /// <summary>
    /// Puts <paramref name="catalog"/> and <paramref name="baseline"/> (same version) into the daemon's store, activates
    /// both and waits until the daemon has built their monitor plan, so a stream's Hello afterwards gets its slots.
    /// </summary>
    public static async Task<MonitorPlan> ActivateAsync(DaemonContext ctx, Catalog catalog, Baseline baseline, CancellationToken ct)
    {
        string fingerprint = catalog.Model.Fingerprint;
        string version = catalog.Version;
        await ctx.Store.PutRecordAsync(RecordKind.Catalog, fingerprint, version, Catalog.CurrentFormat, CatalogJson.Serialize(catalog), Actor, ct);
        await ctx.Store.PutRecordAsync(RecordKind.Baseline, fingerprint, version, BaselineFormat.Version, BaselineFormat.Write(baseline), Actor, ct);
        await ctx.Store.ActivateAsync(RecordKind.Catalog, fingerprint, version, Actor, ct);
        await ctx.Store.ActivateAsync(RecordKind.Baseline, fingerprint, version, Actor, ct);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var plan = ctx.Plans.Get(fingerprint);
            if (plan.Plan is { } p && plan.BaselineVersion == version)
            {
                return p;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the daemon did not pick up catalog '{version}' for model {fingerprint} within 30 s: {plan.Problem ?? "no plan"}.");
            }
            await Task.Delay(20, ct);
        }
    }
}
