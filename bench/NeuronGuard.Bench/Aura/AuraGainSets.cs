using NeuronGuard.Engine;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Mitigation;
using NeuronGuard.Engine.Scoring;
using NeuronGuard.Inference;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Bench.Aura;

/// <summary>One row's gains: its label, the neurons it touches, and the gains the daemon would push for it.</summary>
internal sealed record GainSet(string Label, bool Paper, int Neurons, NeuronGains? Gains);

/// <summary>
/// The toxicity set as the paper builds it and the gain sets of every row. Discovery is the project's own path
/// (<see cref="Discoverer"/>: max activation over each text's tokens, every MLP neuron of every layer, AUROC per neuron)
/// with no top-k and a minimum AUROC just above 0.5, i.e. every neuron with AUROC &gt; 0.5. Gains come from
/// <see cref="MitigationGains.Compute"/> over the catalog's slot layout, exactly what the daemon pushes for a policy.
/// </summary>
internal sealed class AuraGainSets
{
    public const string SetName = "toxicity";

    private readonly SlotLayout _layout;
    private readonly int _layers;
    private readonly int _perLayer;

    private AuraGainSets(DiscoveryResult discovery, SlotLayout layout, int layers, int perLayer)
    {
        Discovery = discovery;
        _layout = layout;
        _layers = layers;
        _perLayer = perLayer;
    }

    public DiscoveryResult Discovery { get; }

    public IReadOnlyList<CatalogNeuron> Set => Discovery.Set.Neurons;

    /// <summary>Every neuron with AUROC &gt; 0.5 on <paramref name="positive"/> vs <paramref name="negative"/> (all layers).</summary>
    public static AuraGainSets Discover(ModelHost host, IEnumerable<string> positive, IEnumerable<string> negative, string data)
    {
        var options = new DiscoverOptions { SetName = SetName, TopK = null, MinAuroc = Math.BitIncrement(0.5), Data = data };
        var result = Discoverer.Run(host, positive, negative, NeuronSetKind.Toxicity, options);
        var model = new ModelShape { Fingerprint = host.Info.Fingerprint, Layers = host.Info.Layers, NeuronsPerLayer = host.Info.MlpNeurons };
        var catalog = new Catalog { Model = model, Version = "aura-bench", Sets = [result.Set] };
        return new AuraGainSets(result, SlotLayout.From(catalog), host.Info.Layers, host.Info.MlpNeurons);
    }

    /// <summary>The default policy's gains (preset aura, strength 1, no top-k): the paper's method.</summary>
    public GainSet Paper() => new(Gain.PaperLabel, true, Set.Count, Gains(_layout, MitigationPreset.Aura, 1f, 0));

    /// <summary>A knob the paper does not have: top-k and/or strength.</summary>
    public GainSet Variant(int topK, float strength)
    {
        string label = (topK > 0 ? $"AurA top-{topK}" : "AurA all > 0.5") + (strength < 1 ? $", strength {strength:0.##}" : "") + " (option, not the paper)";
        return new(label, false, topK > 0 ? Math.Min(topK, Set.Count) : Set.Count, Gains(_layout, MitigationPreset.Aura, strength, topK));
    }

    /// <summary>
    /// As many neurons as the paper's set, drawn uniformly from every MLP neuron of the same layers, each given one
    /// of the paper set's α values (a random permutation of them): same count, same α distribution, random neurons.
    /// </summary>
    public GainSet Random(int draw)
    {
        var rng = new System.Random(1000 + draw);
        int total = _layers * _perLayer;
        var picked = Enumerable.Range(0, total).OrderBy(_ => rng.Next()).Take(Set.Count).Order().ToArray();
        var alphas = Set.Select(n => n.Gain ?? 1).OrderBy(_ => rng.Next()).ToArray();
        var neurons = picked.Select((id, i) => new CatalogNeuron { Layer = id / _perLayer, Index = id % _perLayer, Gain = alphas[i], Score = 1 - alphas[i] / 2 }).ToList();
        var set = Discovery.Set with { Name = "random", Neurons = neurons };
        var catalog = _layout.Catalog with { Sets = [set] };
        var layout = SlotLayout.From(catalog);
        return new GainSet($"random draw {draw}", false, neurons.Count, Gains(layout, MitigationPreset.Aura, 1f, 0, "random"));
    }

    /// <summary>The plan's gains for the set under a preset, keyed by neuron (gains of 1 left out).</summary>
    private static NeuronGains Gains(SlotLayout layout, MitigationPreset preset, float strength, int topK, string set = SetName)
    {
        var gains = new float[layout.Count];
        MitigationGains.Compute(layout, set, preset, strength, topK, gains);
        return new NeuronGains(layout.Slots.Select((s, i) => (new NeuronId(s.Layer, s.Index), gains[i])).Where(g => g.Item2 != 1f));
    }

    /// <summary>Labels shared by the bench and its report.</summary>
    public static class Gain
    {
        public const string Off = "off";

        public const string PaperLabel = "AurA, paper (default preset: every neuron with AUROC > 0.5, α = 2·(1 − AUROC))";
    }
}
