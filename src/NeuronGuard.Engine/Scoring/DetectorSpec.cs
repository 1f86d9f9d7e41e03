using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Detectors;

namespace NeuronGuard.Engine.Scoring;

/// <summary>
/// Which detectors a catalog gets: "coverage" over all slots; per toxicity set "toxicity:NAME"; per safety set
/// "safety:NAME" and "integrity:NAME"; per backdoor set "backdoor:NAME". Custom sets are watched by coverage only, and
/// sets of role attenuate get no detector of their own (their neurons are chosen for what ablating them does, not for
/// telling requests apart; coverage still sees every slot).
/// </summary>
public sealed record DetectorSpec(string Name, DetectorKind Kind, SetSlots? Set)
{
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
            }
        }
        return specs;
    }
}
