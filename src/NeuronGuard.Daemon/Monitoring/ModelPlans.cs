using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using Catalog = NeuronGuard.Engine.Catalogs.Catalog;
using NeuronGuard.Engine.Scoring;
using NeuronGuard.Storage;
using NeuronGuard.Storage.Sync;

namespace NeuronGuard.Daemon.Monitoring;

/// <summary>The scoring plan of one model: catalog and baseline bound together, or why there is none.</summary>
public sealed record ModelPlan(string Fingerprint, MonitorPlan? Plan, string CatalogVersion, string BaselineVersion, string? Problem)
{
    /// <summary>
    /// Whether the operator expects this model: it has an active catalog (even one that failed to load). Only expected
    /// models count towards "unmonitored" (and /readyz): any client could otherwise flip readiness for everyone by
    /// saying Hello with a made-up fingerprint. See <see cref="ExpectedModels"/>.
    /// </summary>
    public bool Expected { get; init; } = true;

    /// <summary>The catalog's neuron explanations, for Control answers (never for the model server's verdicts).</summary>
    public NeuronExplanations Explanations { get; init; } = NeuronExplanations.None;

    /// <summary>The slots exported in the neuron view (Metrics:TopNeurons per set), observed once per frame.</summary>
    public WatchedNeuron[] Watched { get; init; } = [];

    /// <summary>The wire kind of each detector of the plan, in the plan's order (empty without a plan).</summary>
    public Api.V1.Detector[] DetectorKinds { get; } = Plan?.Detectors.Select(d => Labels.ToProto(d.Kind)).ToArray() ?? [];

    public bool SameSlots(ModelPlan other) =>
        Plan is not null && other.Plan is not null && Plan.Slots.SequenceEqual(other.Plan.Slots);
}

/// <summary>
/// Builds <see cref="MonitorPlan"/>s from the store cache, once per (catalog, baseline) pair, and tells sessions when a
/// model's plan changed. A plan that cannot be built (baseline for another catalog version, say) is reported as a
/// problem and the sessions keep scoring with the plan they have.
/// </summary>
public sealed partial class ModelPlans
{
    private readonly StoreSync<Catalog, Baseline> _sync;
    private readonly DaemonMetrics? _metrics;
    private readonly ConcurrentDictionary<string, ModelPlan> _plans = new(StringComparer.OrdinalIgnoreCase);

    private readonly KnownShapes? _shapes;
    private readonly ILogger? _log;

    /// <summary>Scoring settings of every plan (the trigger scan's signal and m come from the daemon's TriggerScan section).</summary>
    public NeuronGuard.Engine.Detectors.DetectorOptions Detectors { get; init; } = new();

    /// <summary>Where a built plan's warnings go (an uncalibrated trigger scan, say); none when null.</summary>
    public Microsoft.Extensions.Logging.ILogger? Log { get; init; }

    /// <summary>Fingerprint (recipe 2) → legacy fingerprint (recipe 1) its host presented; see <see cref="Alias"/>.</summary>
    private readonly ConcurrentDictionary<string, string> _legacy = new(StringComparer.OrdinalIgnoreCase);

    public ModelPlans(StoreSync<Catalog, Baseline> sync, DaemonMetrics? metrics = null, KnownShapes? shapes = null, ILogger? log = null)
    {
        _sync = sync;
        _log = log;
        _metrics = metrics;
        _shapes = shapes;
        _sync.Changed += change =>
        {
            if (change.Fingerprint is { } fp)
            {
                // The neuron view follows the newest catalog: its series are rebuilt with the plans.
                _metrics?.ResetNeurons();
                _plans.Clear();
                var plan = Get(fp);
                Changed?.Invoke(plan);
                // Sessions of a model found through its legacy fingerprint follow changes to the legacy records.
                foreach (var (current, legacy) in _legacy)
                {
                    if (string.Equals(legacy, fp, StringComparison.OrdinalIgnoreCase) && !string.Equals(current, fp, StringComparison.OrdinalIgnoreCase))
                    {
                        Changed?.Invoke(Get(current));
                    }
                }
            }
        };
    }

    /// <summary>Raised with the new plan after a model's catalog or baseline was activated.</summary>
    public event Action<ModelPlan>? Changed;

    public ModelPlan Get(string fingerprint) => _plans.GetOrAdd(fingerprint, Build);

    /// <summary>
    /// Transition from fingerprint recipe 1 (shapes) to recipe 2 (weights): a host that presents both
    /// (<c>Hello.legacy_fingerprint</c>) is served the catalog and baseline stored under the legacy value while none is
    /// active under the new one. Records are never copied or rewritten; activating a catalog under the new fingerprint
    /// ends the aliasing for that model.
    /// </summary>
    public void Alias(string fingerprint, string legacyFingerprint)
    {
        if (string.IsNullOrWhiteSpace(legacyFingerprint) || legacyFingerprint.Length > 256 || string.Equals(fingerprint, legacyFingerprint, StringComparison.OrdinalIgnoreCase)
            || (_legacy.TryGetValue(fingerprint, out var known) && string.Equals(known, legacyFingerprint, StringComparison.OrdinalIgnoreCase)))
        {
            return;
        }
        _legacy[fingerprint] = legacyFingerprint;
        _plans.TryRemove(fingerprint, out _);
    }

    /// <summary>The legacy fingerprint whose records serve <paramref name="fingerprint"/> now, or null.</summary>
    public string? AliasedTo(string fingerprint)
    {
        if (!_legacy.TryGetValue(fingerprint, out var legacy) || Active(fingerprint)?.Catalog is not null)
        {
            return null;
        }
        return Active(legacy)?.Catalog is not null ? legacy : null;
    }

    private CachedModel<Catalog, Baseline>? Active(string fingerprint) =>
        _sync.GetModel(fingerprint) ?? _sync.GetModel(fingerprint.ToLowerInvariant());

    private ModelPlan Build(string fingerprint)
    {
        var cached = Active(AliasedTo(fingerprint) ?? fingerprint);
        var catalog = cached?.Catalog;
        var baseline = cached?.Baseline;
        if (catalog is null)
        {
            return ExpectedModels.IsExpected(_sync, fingerprint)
                ? new ModelPlan(fingerprint, null, "", "", $"no catalog is active for model {fingerprint}: put and activate one (neuronguard ctl catalog put FILE && neuronguard ctl catalog activate --model {fingerprint} VERSION); requests are counted but not scored until then.")
                : new ModelPlan(fingerprint, null, "", "", ExpectedModels.UnknownMessage(fingerprint)) { Expected = false };
        }
        if (baseline is null)
        {
            return new ModelPlan(fingerprint, null, catalog.Info.Version, "", $"catalog '{catalog.Info.Version}' of model {fingerprint} has no active baseline: calibrate one (neuronguard calibrate) and activate it; requests are counted but not scored until then.");
        }
        if (_shapes?.Problem(catalog.Value) is { } misfit)
        {
            return new ModelPlan(fingerprint, null, catalog.Info.Version, baseline.Info.Version, $"catalog '{catalog.Info.Version}' does not fit model {fingerprint}: {misfit}");
        }
        try
        {
            var plan = MonitorPlan.Create(catalog.Value, baseline.Value, Detectors);
            if (_log is not null && plan.UncalibratedProbes is { Count: > 0 } uncalibrated)
            {
                UncalibratedProbes(_log, fingerprint, string.Join(", ", uncalibrated), baseline.Info.Version, catalog.Info.Version);
            }
            foreach (var warning in plan.Warnings)
            {
                if (Log is not null)
                {
                    Hosting.DaemonLog.PlanWarning(Log, fingerprint, warning);
                }
            }
            return new ModelPlan(fingerprint, plan, catalog.Info.Version, baseline.Info.Version, null) { Watched = Watch(fingerprint, catalog.Value.Model.Name, plan), Explanations = NeuronExplanations.From(catalog.Value) };
        }
        catch (MonitorPlanException e)
        {
            return new ModelPlan(fingerprint, null, catalog.Info.Version, baseline.Info.Version, $"model {fingerprint}: {e.Message}");
        }
    }

    private WatchedNeuron[] Watch(string fingerprint, string? modelName, MonitorPlan plan)
    {
        if (_metrics is null)
        {
            return [];
        }
        var watched = new List<WatchedNeuron>();
        foreach (var set in plan.Layout.Sets)
        {
            // Most significant first, so the exported top-K are the neurons that matter most.
            foreach (int i in Enumerable.Range(0, set.Slots.Length).OrderByDescending(i => set.Neurons[i].Score ?? 0))
            {
                int slot = set.Slots[i];
                var n = plan.Slots[slot];
                var handle = _metrics.Neuron(fingerprint, modelName, set.Name, n.Layer, n.Index, plan.Baseline.Slots.First(s => s.Neuron == n).Mean);
                if (handle.IsExported)
                {
                    watched.Add(new WatchedNeuron(slot, handle));
                }
            }
        }
        return [.. watched];
    }

    [LoggerMessage(140, LogLevel.Warning, "model {Fingerprint}: baseline '{Baseline}' has no threshold for {Probes}: they score but never flag; calibrate catalog '{Catalog}' again (neuronguard calibrate) and activate the new baseline")]
    private static partial void UncalibratedProbes(ILogger logger, string fingerprint, string probes, string baseline, string catalog);
}

/// <summary>A plan slot whose activation the neuron view exports.</summary>
public readonly record struct WatchedNeuron(int Slot, NeuronMetrics Metrics);
