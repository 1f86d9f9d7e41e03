namespace NeuronGuard.Engine.Mitigation;

/// <summary>How a neuron set is attenuated.</summary>
public enum MitigationPreset
{
    /// <summary>AurA: each neuron gets α' = 1 − strength·(1 − α), α = 1 − 2·(AUROC − 0.5) for AUROC &gt; 0.5, else 1.</summary>
    Aura,

    /// <summary>Det0: the top-k neurons by score get gain 0 (ablated); the rest keep 1.</summary>
    Det0,

    /// <summary>Damp: every neuron of the set gets the same gain 1 − strength.</summary>
    Damp,
}
