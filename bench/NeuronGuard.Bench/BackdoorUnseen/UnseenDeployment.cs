using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Detectors;
using NeuronGuard.Inference;
using NeuronGuard.Offline.Evaluation.TriggerScan;

namespace NeuronGuard.Bench.BackdoorUnseen;

/// <summary>
/// The chosen candidate rebuilt for serving by <see cref="BackdoorPipeline"/>: the known-trigger set discovered on ALL
/// discovery triggers (trigger_disc vs clean_disc) and/or the scan's set, calibrated on benign_calib. The same function
/// makes the untrained-weights control.
/// </summary>
internal static class UnseenDeployment
{
    public static (Catalog Catalog, Baseline Baseline) Build(ModelHost host, Candidate chosen, UnseenData data, List<string> benign) =>
        BackdoorPipeline.Build(host, data.Texts("trigger_disc"), data.Texts("clean_disc"), chosen.Backdoor, chosen.Scan, chosen.Options, benign);

    public static DetectorKind[] Kinds(Candidate chosen) => BackdoorPipeline.Kinds(chosen.Backdoor, chosen.Scan is not null);
}
