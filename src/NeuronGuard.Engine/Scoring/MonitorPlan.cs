using System.Collections.Concurrent;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Detectors;

namespace NeuronGuard.Engine.Scoring;

/// <summary>
/// The active catalog and baseline bound together for one model connection: the slot list the model server
/// captures (<see cref="Slots"/>) and a pool of <see cref="RequestScorer"/>s, so a request rents preallocated
/// scorer state instead of allocating it. Thread-safe; each rented scorer is used by one request at a time.
/// </summary>
public sealed class MonitorPlan
{
    private readonly ConcurrentBag<RequestScorer> _pool = new();
    private readonly SlotBaseline[] _slotBaselines;
    private readonly Dictionary<string, DetectorCalibration> _calibration;

    private MonitorPlan(SlotLayout layout, Baseline baseline, DetectorOptions options, SlotBaseline[] slotBaselines)
    {
        Layout = layout;
        Baseline = baseline;
        Options = options;
        _slotBaselines = slotBaselines;
        _calibration = baseline.Detectors.ToDictionary(d => d.Name, StringComparer.Ordinal);
        Detectors = DetectorSpec.For(layout);
    }

    public SlotLayout Layout { get; }

    public Baseline Baseline { get; }

    public DetectorOptions Options { get; }

    /// <summary>The ordered (layer, neuron) slots the model server must capture and pack.</summary>
    public IReadOnlyList<NeuronRef> Slots => Layout.Slots;

    public IReadOnlyList<DetectorSpec> Detectors { get; }

    /// <summary>
    /// Probe detectors the baseline has no threshold for (a baseline calibrated before the probe was attached, or by a
    /// build without probes): they score but never flag until the catalog is recalibrated. The daemon logs them.
    /// </summary>
    public IReadOnlyList<string> UncalibratedProbes =>
        Detectors.Where(d => d.Kind == DetectorKind.Probe && !_calibration.ContainsKey(d.Name)).Select(d => d.Name).ToList();

    /// <summary>
    /// One line per detector the plan keeps uncalibrated (never flagging) instead of refusing the baseline: a trigger
    /// scan whose baseline predates its prefill statistics. The daemon logs them when it builds the plan.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; private set; } = [];

    /// <summary>
    /// Binds <paramref name="catalog"/> and <paramref name="baseline"/>; throws <see cref="MonitorPlanException"/>
    /// when they do not belong together. <paramref name="requireThresholds"/> = false is for calibration, which
    /// scores benign data before any threshold exists (uncalibrated detectors never flag).
    /// </summary>
    public static MonitorPlan Create(Catalog catalog, Baseline baseline, DetectorOptions? options = null, bool requireThresholds = true)
    {
        if (!string.Equals(catalog.Model.Fingerprint, baseline.Fingerprint, StringComparison.OrdinalIgnoreCase))
        {
            throw new MonitorPlanException($"the baseline was calibrated on model {baseline.Fingerprint} but the catalog is for {catalog.Model.Fingerprint}: calibrate this catalog on its model.");
        }
        if (catalog.Version != baseline.CatalogVersion)
        {
            throw new MonitorPlanException($"the baseline was calibrated for catalog version '{baseline.CatalogVersion}' but the catalog is version '{catalog.Version}': recalibrate with `neuronguard calibrate`.");
        }
        var layout = SlotLayout.From(catalog);
        var byNeuron = new Dictionary<NeuronRef, SlotBaseline>();
        foreach (var s in baseline.Slots)
        {
            byNeuron[s.Neuron] = s;
        }
        var aligned = new SlotBaseline[layout.Count];
        for (int i = 0; i < aligned.Length; i++)
        {
            if (!byNeuron.TryGetValue(layout.Slots[i], out var s))
            {
                throw new MonitorPlanException($"the baseline has no statistics for neuron {layout.Slots[i]} of the catalog: recalibrate with this catalog.");
            }
            aligned[i] = s;
        }
        var plan = new MonitorPlan(layout, baseline, options ?? new DetectorOptions(), aligned);
        plan.Warnings = plan.UncalibratedScans().ToList();
        if (requireThresholds)
        {
            var missing = plan.Detectors.Where(d => d.Kind is not (DetectorKind.Probe or DetectorKind.TriggerScan) && !plan._calibration.ContainsKey(d.Name)).Select(d => d.Name).ToList();
            if (missing.Count > 0)
            {
                throw new MonitorPlanException($"the baseline has no threshold for detector(s) {string.Join(", ", missing)}: recalibrate with `neuronguard calibrate`.");
            }
        }
        return plan;
    }

    /// <summary>A reset scorer from the pool (or a new one); dispose it to give it back.</summary>
    public RequestScorer Rent()
    {
        if (!_pool.TryTake(out var scorer))
        {
            scorer = new RequestScorer(this, CreateDetectors());
        }
        scorer.Activate();
        return scorer;
    }

    internal void Return(RequestScorer scorer) => _pool.Add(scorer);

    private Detector[] CreateDetectors() => Detectors.Select(CreateDetector).ToArray();

    /// <summary>Trigger scans this baseline cannot calibrate (no prefill statistics, or no threshold), as log lines.</summary>
    private IEnumerable<string> UncalibratedScans()
    {
        foreach (var spec in Detectors.Where(d => d.Kind == DetectorKind.TriggerScan))
        {
            if (!HasPrefill(spec))
            {
                yield return $"detector {spec.Name} stays uncalibrated (never flags): baseline of catalog '{Baseline.CatalogVersion}' has no prefill statistics (baseline format < 3); recalibrate with `neuronguard calibrate` to enable it.";
            }
            else if (!_calibration.ContainsKey(spec.Name))
            {
                yield return $"detector {spec.Name} stays uncalibrated (never flags): the baseline has no threshold for it; recalibrate with `neuronguard calibrate` to enable it.";
            }
        }
    }

    private bool HasPrefill(DetectorSpec spec) => spec.Set!.Slots.All(s => _slotBaselines[s].Prefill is not null);

    private Detector CreateDetector(DetectorSpec spec)
    {
        int[] slots = spec.Probe?.Slots ?? spec.Set?.Slots ?? Enumerable.Range(0, Layout.Count).ToArray();
        var scores = spec.Set is null || spec.Probe is not null ? new double?[slots.Length] : spec.Set.Neurons.Select(n => n.Score).ToArray();
        float threshold = _calibration.TryGetValue(spec.Name, out var c) ? c.Threshold : float.PositiveInfinity;
        if (spec.Kind == DetectorKind.TriggerScan && !HasPrefill(spec))
        {
            threshold = float.PositiveInfinity; // stats from an old baseline: see Warnings
        }
        var input = new DetectorInput(
            spec.Name, slots, slots.Select(s => Layout.Slots[s]).ToArray(), scores,
            slots.Select(s => _slotBaselines[s]).ToArray(), threshold, Baseline.MassThreshold, Options);
        return spec.Kind switch
        {
            DetectorKind.Coverage => new CoverageDetector(input),
            DetectorKind.Toxicity => new ExpertsDetector(input),
            DetectorKind.Safety => new SafetyDetector(input),
            DetectorKind.Integrity => new IntegrityDetector(input, legacy: Baseline.IntegrityRecipe == 1),
            DetectorKind.Probe => new ProbeDetector(input, spec.Probe!.Probe.ToSparseProbe(Layout.Catalog)),
            DetectorKind.TriggerScan => new TriggerScanDetector(input),
            _ => new BackdoorDetector(input),
        };
    }
}
