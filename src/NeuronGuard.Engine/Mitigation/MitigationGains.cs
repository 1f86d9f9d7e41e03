namespace NeuronGuard.Engine.Mitigation;

/// <summary>
/// The mitigation math: per-slot gains for a neuron set under a preset. Pure, allocation-free when the caller
/// gives the destination span and no top-k cut is asked for; slots of the plan outside the set get 1.
/// </summary>
public static class MitigationGains
{
    /// <summary>AurA gain α = 1 − 2·(AUROC − 0.5) for AUROC &gt; 0.5, else 1; clamped to [0, 1].</summary>
    public static double AuraGain(double auroc) =>
        auroc > 0.5 ? Math.Clamp(1 - 2 * (auroc - 0.5), 0, 1) : 1;

    /// <summary>α scaled by strength s ∈ [0, 1]: α' = 1 − s·(1 − α). s = 0 leaves the neuron, s = 1 gives α.</summary>
    public static double Scale(double alpha, double strength) => 1 - Math.Clamp(strength, 0, 1) * (1 - alpha);

    /// <summary>
    /// Writes the gain of every plan slot into <paramref name="gains"/> (length = plan slots) for set
    /// <paramref name="setName"/>. <see cref="MitigationPreset.Aura"/> with strength 1 and <paramref name="topK"/> 0
    /// is AurA as the paper has it (every neuron of the set with AUROC &gt; 0.5 gets its α, no cut, no knob);
    /// a <paramref name="topK"/> &gt; 0 restricts it to the k neurons of highest AUROC. <see cref="MitigationPreset.Det0"/>
    /// ablates the top <paramref name="topK"/>; <see cref="MitigationPreset.Damp"/> ignores it.
    /// </summary>
    public static void Compute(Scoring.SlotLayout layout, string setName, MitigationPreset preset, double strength, int topK, Span<float> gains)
    {
        if (gains.Length != layout.Count)
        {
            Throw.Argument($"gains has {gains.Length} entries but the plan has {layout.Count} slots.", nameof(gains));
        }
        var set = layout.Set(setName);
        gains.Fill(1f);
        switch (preset)
        {
            case MitigationPreset.Aura when topK > 0:
                foreach (int i in TopByScore(set, topK))
                {
                    gains[set.Slots[i]] = (float)Scale(Alpha(set.Neurons[i]), strength);
                }
                break;
            case MitigationPreset.Aura:
                for (int i = 0; i < set.Slots.Length; i++)
                {
                    gains[set.Slots[i]] = (float)Scale(Alpha(set.Neurons[i]), strength);
                }
                break;
            case MitigationPreset.Damp:
                foreach (int slot in set.Slots)
                {
                    gains[slot] = (float)(1 - Math.Clamp(strength, 0, 1));
                }
                break;
            case MitigationPreset.Det0:
                foreach (int i in TopByScore(set, topK))
                {
                    gains[set.Slots[i]] = 0f;
                }
                break;
        }
    }

    /// <summary>The neuron's AurA α: its catalogued gain (discovery stores α of its AUROC), else α of its score, else 1.</summary>
    private static double Alpha(Catalogs.CatalogNeuron neuron) =>
        neuron.Gain ?? (neuron.Score is { } s ? AuraGain(s) : 1);

    private static IEnumerable<int> TopByScore(Scoring.SetSlots set, int k) =>
        Enumerable.Range(0, set.Slots.Length)
            .OrderByDescending(i => set.Neurons[i].Score ?? 0)
            .ThenBy(i => i)
            .Take(Math.Max(0, k));
}
