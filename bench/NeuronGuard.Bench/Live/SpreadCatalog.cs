using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Inference;
using Catalog = NeuronGuard.Engine.Catalogs.Catalog;

namespace NeuronGuard.Bench.Live;

/// <summary>
/// A catalog for a real (random-weight) model: four sets (toxicity, safety, backdoor, custom) of
/// <c>perSet</c> distinct MLP neurons each, spread round-robin over every layer at seeded random indices, with
/// AUROC-like scores in [0.5, 1) so AurA gains differ per neuron. What a discovered catalog of a small model
/// looks like in shape; which neurons it names does not matter for the cost of monitoring them.
/// </summary>
internal static class SpreadCatalog
{
    public static Catalog For(ModelInfo info, int perSet, string version)
    {
        var rng = new Random(11);
        var kinds = new[] { NeuronSetKind.Toxicity, NeuronSetKind.Safety, NeuronSetKind.Backdoor, NeuronSetKind.Custom };
        int total = kinds.Length * perSet;
        if (total > info.Layers * info.MlpNeurons)
        {
            throw new ArgumentException($"{total} catalog neurons do not fit a model of {info.Layers} × {info.MlpNeurons} MLP neurons; ask for fewer per set.", nameof(perSet));
        }
        var used = new HashSet<(int, int)>();
        var neurons = new List<CatalogNeuron>(total);
        for (int k = 0; neurons.Count < total; k++)
        {
            int layer = k % info.Layers;
            int index = rng.Next(info.MlpNeurons);
            if (used.Add((layer, index)))
            {
                neurons.Add(new CatalogNeuron { Layer = layer, Index = index, Score = 0.5 + rng.NextDouble() / 2 });
            }
        }
        return new Catalog
        {
            Model = new ModelShape { Fingerprint = info.Fingerprint, Layers = info.Layers, NeuronsPerLayer = info.MlpNeurons },
            Version = version,
            Sets = kinds.Select((kind, s) => new NeuronSet
            {
                Name = kind.ToString().ToLowerInvariant(),
                Kind = kind,
                Neurons = neurons.GetRange(s * perSet, perSet),
                Provenance = new Provenance { Method = "synthetic spread (live benchmark)", Data = "none", Date = "2026-11" },
            }).ToList(),
        };
    }
}
