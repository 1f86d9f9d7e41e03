using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Mitigation;

namespace NeuronGuard.Engine.Discovery;

/// <summary>Orders neurons by AUROC (ties by effect size) and turns the kept ones into a catalog set with AurA gains.</summary>
public static class NeuronRanking
{
    /// <summary>Best first: higher AUROC, then larger effect size, then lower (layer, index).</summary>
    public static NeuronAuroc[] Rank(IEnumerable<NeuronAuroc> stats) =>
        stats.OrderByDescending(s => s.Auroc)
            .ThenByDescending(s => s.EffectSize)
            .ThenBy(s => s.Neuron.Layer)
            .ThenBy(s => s.Neuron.Index)
            .ToArray();

    /// <summary>
    /// Keeps ranked neurons with AUROC ≥ <paramref name="minAuroc"/> (when given), at most <paramref name="topK"/>
    /// (when given); at least one of the two must be given.
    /// </summary>
    public static NeuronAuroc[] Select(NeuronAuroc[] ranked, int? topK, double? minAuroc)
    {
        if (topK is null && minAuroc is null)
        {
            Throw.Argument("give a top-k, a minimum AUROC, or both, to choose which neurons to keep.", nameof(topK));
        }
        IEnumerable<NeuronAuroc> kept = ranked;
        if (minAuroc is { } min)
        {
            kept = kept.Where(s => s.Auroc >= min);
        }
        if (topK is { } k)
        {
            kept = kept.Take(k);
        }
        return kept.ToArray();
    }

    public static NeuronSet ToSet(string name, NeuronSetKind kind, IEnumerable<NeuronAuroc> kept, Provenance provenance) => new()
    {
        Name = name,
        Kind = kind,
        Neurons = kept.Select(s => new CatalogNeuron
        {
            Layer = s.Neuron.Layer,
            Index = s.Neuron.Index,
            Score = Math.Round(s.Auroc, 6),
            Gain = Math.Round(MitigationGains.AuraGain(s.Auroc), 6),
        }).ToList(),
        Provenance = provenance,
    };
}
