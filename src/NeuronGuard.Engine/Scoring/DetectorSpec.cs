using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Detectors;

namespace NeuronGuard.Engine.Scoring;

/// <summary>
/// Which detectors a catalog gets: "coverage" over all slots; per toxicity set "toxicity:NAME"; per safety set
/// "safety:NAME" and "integrity:NAME"; per backdoor set "backdoor:NAME"; per catalog probe "probe:NAME" (its
/// <see cref="Set"/> is the set the probe names, if any); per custom set whose name starts with
/// <see cref="ScanPrefix"/> "trigger_scan:NAME" (a generic sample of early-layer neurons, no trigger's own). Other
/// custom sets are watched by coverage only, and sets of role attenuate get no detector of their own (their neurons are
/// chosen for what ablating them does, not for telling requests apart; coverage still sees every slot).
/// </summary>
public sealed record DetectorSpec(string Name, DetectorKind Kind, SetSlots? Set)
{
    /// <summary>The probe a <see cref="DetectorKind.Probe"/> detector scores; null for every other kind.</summary>
    public ProbeSlots? Probe { get; init; }

    /// <summary>A custom set named "scan…" (e.g. "scan-l0") is watched by the trigger scan.</summary>
    public const string ScanPrefix = "scan";

    public static List<DetectorSpec> For(SlotLayout layout)
    {
        var specs = new List<DetectorSpec> { new("coverage", DetectorKind.Coverage, null) };
        foreach (var set in layout.Sets)
        {
            if (!set.Role.Detects())
            {
                continue;
            }
            switch (set.Kind)
            {
                case NeuronSetKind.Toxicity:
                    specs.Add(new($"toxicity:{set.Name}", DetectorKind.Toxicity, set));
                    break;
                case NeuronSetKind.Safety:
                    specs.Add(new($"safety:{set.Name}", DetectorKind.Safety, set));
                    specs.Add(new($"integrity:{set.Name}", DetectorKind.Integrity, set));
                    break;
                case NeuronSetKind.Backdoor:
                    specs.Add(new($"backdoor:{set.Name}", DetectorKind.Backdoor, set));
                    break;
                case NeuronSetKind.Custom when set.Name.StartsWith(ScanPrefix, StringComparison.Ordinal):
                    specs.Add(new($"trigger_scan:{set.Name}", DetectorKind.TriggerScan, set));
                    break;
            }
        }
        foreach (var probe in layout.Probes)
        {
            specs.Add(new($"probe:{probe.Name}", DetectorKind.Probe, probe.Set) { Probe = probe });
        }
        return specs;
    }
}
