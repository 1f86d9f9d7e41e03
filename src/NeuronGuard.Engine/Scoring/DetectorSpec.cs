using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Detectors;

namespace NeuronGuard.Engine.Scoring;

/// <summary>
/// Which detectors a catalog gets: "coverage" over all slots; per toxicity set "toxicity:NAME"; per safety set
/// "safety:NAME" and "integrity:NAME"; per backdoor set "backdoor:NAME"; per catalog probe "probe:NAME" (its
/// <see cref="Set"/> is the set the probe names, if any). Custom sets are watched by coverage only.
/// </summary>
public sealed record DetectorSpec(string Name, DetectorKind Kind, SetSlots? Set)
{
    /// <summary>The probe a <see cref="DetectorKind.Probe"/> detector scores; null for every other kind.</summary>
    public ProbeSlots? Probe { get; init; }

    public static List<DetectorSpec> For(SlotLayout layout)
    {
        var specs = new List<DetectorSpec> { new("coverage", DetectorKind.Coverage, null) };
        foreach (var set in layout.Sets)
        {
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
            }
        }
        foreach (var probe in layout.Probes)
        {
            specs.Add(new($"probe:{probe.Name}", DetectorKind.Probe, probe.Set) { Probe = probe });
        }
        return specs;
    }
}
