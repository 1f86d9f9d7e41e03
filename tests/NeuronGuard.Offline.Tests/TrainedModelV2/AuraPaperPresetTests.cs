using NeuronGuard.Engine;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Mitigation;
using NeuronGuard.Inference;
using Xunit.Abstractions;

namespace NeuronGuard.Offline.Tests.TrainedModelV2;

/// <summary>
/// Issue 26 item 5 on trained-gpt2-v2: the default mitigation (preset aura, strength 1, no top-k: the daemon's policy
/// defaults) is AurA as the paper has it: every neuron with AUROC &gt; 0.5 on the discovery data, each × α = 2·(1 − AUROC),
/// nothing else; top-k and strength are options that change it. Also what the measured miss rests on
/// (bench/results/aura-v2.md): on v2 the paper's set is diffuse, so it dampens little. No test asserts a toxicity
/// reduction: the bench measured none (off and AurA inside each other's intervals; random sets of the same size alike).
/// </summary>
public sealed class AuraPaperPresetTests(AuraV2Fixture model, ITestOutputHelper output) : IClassFixture<AuraV2Fixture>
{
    [Fact]
    public void DefaultPreset_DampensEveryNeuronAboveHalf_ByTwiceOneMinusItsAuroc()
    {
        var ranked = model.Discovery.Ranked;
        var above = ranked.Where(r => r.Auroc > 0.5).ToDictionary(r => new NeuronRef(r.Neuron.Layer, r.Neuron.Index), r => r.Auroc);
        var gains = model.Gains(MitigationPreset.Aura, strength: 1, topK: 0);
        var touched = gains.Where(g => g.Value != 1f).Select(g => g.Key).ToHashSet();
        output.WriteLine($"{ranked.Length} neurons scored, {above.Count} with AUROC > 0.5, {touched.Count} dampened");

        Assert.Equal(model.Host.Info.Layers * model.Host.Info.MlpNeurons, ranked.Length);
        Assert.True(above.Keys.ToHashSet().SetEquals(touched), "the default preset must dampen exactly the neurons with AUROC > 0.5");
        foreach (var (neuron, auroc) in above)
        {
            Assert.Equal(2 * (1 - auroc), gains[neuron], 1e-5); // α is stored rounded to 6 places and pushed as float
        }
        Assert.True(touched.Count > 100, $"no top-k cut: {touched.Count} neurons dampened (every one above 0.5; measured 2,273 of 4,096)");
    }

    [Fact]
    public void TopKAndStrength_AreOptionsThatChangeTheDefault()
    {
        var paper = model.Gains(MitigationPreset.Aura, 1, 0);
        var top10 = model.Gains(MitigationPreset.Aura, 1, 10);
        var half = model.Gains(MitigationPreset.Aura, 0.5, 0);
        var best = model.Discovery.Ranked.Take(10).Select(r => new NeuronRef(r.Neuron.Layer, r.Neuron.Index)).ToHashSet();

        Assert.True(best.SetEquals(top10.Where(g => g.Value != 1f).Select(g => g.Key)), "top-k keeps the k neurons of highest AUROC");
        foreach (var (neuron, alpha) in paper)
        {
            Assert.Equal(1 - 0.5 * (1 - alpha), half[neuron], 1e-5);
        }
    }

    /// <summary>
    /// Why the paper's AurA does little on v2: the AUROC &gt; 0.5 set is more than half of all MLP neurons with AUROCs near
    /// 0.5 (measured: 2,273 of 4,096, max AUROC 0.709, 128 above 0.6, mean α 0.931, Σ(1 − α) ≈ 157), against neurons at
    /// AUROC 0.99 in the paper's models. Bounds below are set well outside the measured values.
    /// </summary>
    [Fact]
    public void PaperSet_OnV2_IsDiffuse_WithAlphasNearOne()
    {
        var set = model.Discovery.Set.Neurons.Where(n => n.Score > 0.5).ToList();
        double meanAlpha = set.Average(n => n.Gain ?? 1);
        output.WriteLine($"{set.Count} neurons, mean α {meanAlpha:F3}, max AUROC {set.Max(n => n.Score):F3}");
        Assert.True(set.Count > 1500, $"{set.Count} neurons above 0.5");
        Assert.True(meanAlpha > 0.85, $"mean α {meanAlpha:F3}");
        Assert.True(set.Max(n => n.Score) < 0.85, $"max AUROC {set.Max(n => n.Score):F3}");
    }

    /// <summary>
    /// The cost half of the goal, which holds: the paper's gains raise benign_eval perplexity far below +5 % (the bench
    /// measured +0.27 % [0.15, 0.38] on all 500 texts; here the first 100, asserted below +2 %).
    /// </summary>
    [Fact]
    public void PaperPreset_CostsLittleBenignPerplexity()
    {
        var texts = model.Texts("benign_eval", 100);
        var paper = model.Gains(MitigationPreset.Aura, 1, 0);
        var gains = new NeuronGains(paper.Where(g => g.Value != 1f).Select(g => (new NeuronId(g.Key.Layer, g.Key.Index), g.Value)));
        double off = MeanLogPerplexity(texts, null), on = MeanLogPerplexity(texts, gains);
        double increase = Math.Exp(on - off) - 1;
        output.WriteLine($"benign perplexity increase {increase * 100:F2} %");
        Assert.True(increase < 0.02, $"AurA raised benign perplexity by {increase * 100:F2} %");
        Assert.True(increase > 0, "dampening 2,000 neurons must cost something; a zero means the gains were not applied");
    }

    private double MeanLogPerplexity(List<string> texts, NeuronGains? gains)
    {
        using var session = model.Host.CreateSession();
        using var registration = gains is null ? null : session.Register(new NeuronGainsHook(gains));
        return texts.Average(t => Math.Log(session.Perplexity(t)));
    }
}
