using NeuronGuard.Engine;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Detectors;
using NeuronGuard.Inference;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Offline.Evaluation.TriggerScan;

/// <summary>
/// The backdoor detection a catalog serves, built as the CLI would build it: the known-trigger set (<see cref="Discoverer"/>
/// on triggered vs clean discovery prompts, kind backdoor, default top 10) and/or the trigger scan's custom set "scan"
/// over generic neurons, in one catalog calibrated by <see cref="Calibrator"/> on benign text with the scan settings the
/// daemon must then run with. The backdoor-unseen bench and its tests share it, so both measure the same pipeline.
/// </summary>
public static class BackdoorPipeline
{
    public const string ScanSet = "scan";

    public const string KnownTriggerSet = "backdoor";

    public static (Catalog Catalog, Baseline Baseline) Build(ModelHost host, IEnumerable<string> positive, IEnumerable<string> negative, bool knownTrigger,
        IReadOnlyList<NeuronRef>? scan, DetectorOptions options, IEnumerable<string> benign, string version = "backdoor-unseen")
    {
        ArgumentNullException.ThrowIfNull(host);
        var sets = new List<NeuronSet>();
        if (knownTrigger)
        {
            sets.Add(Discoverer.Run(host, positive, negative, NeuronSetKind.Backdoor, new DiscoverOptions()).Set with { Name = KnownTriggerSet });
        }
        if (scan is not null)
        {
            sets.Add(Scan(scan));
        }
        if (sets.Count == 0)
        {
            throw new ArgumentException("the pipeline needs the known-trigger set, the scan, or both.");
        }
        var catalog = CatalogOf(host.Info, version, sets.ToArray());
        return (catalog, Calibrator.Run(host, catalog, benign, new CalibrateOptions { Detectors = options }));
    }

    public static Catalog CatalogOf(ModelInfo info, string version, params NeuronSet[] sets) => new()
    {
        Model = new ModelShape { Fingerprint = info.Fingerprint, Layers = info.Layers, NeuronsPerLayer = info.MlpNeurons },
        Version = version,
        Sets = sets.ToList(),
    };

    /// <summary>The scan's custom set (a name starting "scan" gets the detector trigger_scan:scan).</summary>
    public static NeuronSet Scan(IEnumerable<NeuronRef> neurons) => new()
    {
        Name = ScanSet, Kind = NeuronSetKind.Custom, Neurons = neurons.Select(n => new CatalogNeuron { Layer = n.Layer, Index = n.Index }).ToList(),
    };

    /// <summary>The detector kinds whose flag aborts a request: backdoor and/or trigger scan.</summary>
    public static DetectorKind[] Kinds(bool knownTrigger, bool scan) =>
        (knownTrigger ? new[] { DetectorKind.Backdoor } : []).Concat(scan ? new[] { DetectorKind.TriggerScan } : []).ToArray();
}
