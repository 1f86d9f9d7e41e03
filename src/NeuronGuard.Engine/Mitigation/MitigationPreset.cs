namespace NeuronGuard.Engine.Mitigation;

/// <summary>How a neuron set is attenuated.</summary>
public enum MitigationPreset
{
    /// <summary>
    /// AurA (the default): each neuron gets α' = 1 − strength·(1 − α), α = 1 − 2·(AUROC − 0.5) for AUROC &gt; 0.5,
    /// else 1. At strength 1 with no top-k this is the paper's method (Suau et al., "Whispering Experts"): every
    /// neuron of the set with AUROC &gt; 0.5 dampened by its own α, nothing to tune. A top-k keeps only the k neurons of
    /// highest AUROC; strength &lt; 1 moves every α toward 1. Both are options, not the paper.
    /// </summary>
    Aura,

    /// <summary>Det0: the top-k neurons by score get gain 0 (ablated); the rest keep 1.</summary>
    Det0,

    /// <summary>Damp: every neuron of the set gets the same gain 1 − strength.</summary>
    Damp,
}
