using NeuronGuard.Engine;

namespace NeuronGuard.Offline.Evaluation.Baselines;

/// <summary>
/// Random-neuron control sets (issue 26 item 3b): draws of neurons uniformly without replacement from every MLP
/// neuron of the model, the same count as the detector's set. Seeded, so a rerun draws the same sets; each draw is
/// sorted by (layer, index). A detector whose set does no better than these is not using what it discovered.
/// </summary>
public static class RandomNeuronSets
{
    public static IReadOnlyList<NeuronRef[]> Draw(int size, int layers, int neuronsPerLayer, int draws, int seed)
    {
        int total = layers * neuronsPerLayer;
        if (size < 1 || size > total)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"a random set needs 1 to {total} neurons.");
        }
        if (draws < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(draws), draws, "draw at least one set.");
        }
        var rng = new Random(seed);
        var all = Enumerable.Range(0, total).ToArray();
        var sets = new List<NeuronRef[]>(draws);
        for (int d = 0; d < draws; d++)
        {
            for (int i = 0; i < size; i++) // partial Fisher–Yates: the first `size` entries become the draw
            {
                int j = rng.Next(i, total);
                (all[i], all[j]) = (all[j], all[i]);
            }
            sets.Add(all.Take(size).Order().Select(f => new NeuronRef(f / neuronsPerLayer, f % neuronsPerLayer)).ToArray());
        }
        return sets;
    }
}
