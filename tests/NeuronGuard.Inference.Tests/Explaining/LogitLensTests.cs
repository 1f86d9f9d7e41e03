using NeuronGuard.Inference.Explaining;
using NeuronGuard.Inference.Fixtures;
using NeuronGuard.Inference.Loading;
using NeuronGuard.Inference.Tests.Infrastructure;

namespace NeuronGuard.Inference.Tests.Explaining;

/// <summary>
/// The logit lens on weights whose answer is known: the planted fixture's neurons write hand-set directions toward
/// named words, and a naive double-precision product over the raw tensors (row of GPT-2's Conv1D c_proj, column of
/// Llama's nn.Linear down_proj, untied head) must give the same ranking as the blocked, parallel SIMD path.
/// </summary>
public sealed class LogitLensTests
{
    private static readonly FixtureTruth Truth = FixtureTruth.Load(Path.Combine(TestModels.Planted, FixtureTruth.FileName));

    [Theory]
    [InlineData(PlantedKind.Backdoor)]
    [InlineData(PlantedKind.Safety)]
    [InlineData(PlantedKind.Toxicity)]
    public void PlantedNeuron_PromotesTheWordItWritesTowardFirst(PlantedKind kind)
    {
        var set = Truth.Sets.Single(s => s.Kind == kind);
        using var lens = LogitLens.Open(TestModels.Planted);
        var result = lens.Explain(set.Neurons.Select(n => (n.Layer, n.Neuron)).ToList(), k: 8);
        var targets = set.PushesToward.Select(w => " " + w).ToHashSet();
        foreach (var r in result)
        {
            Assert.Equal(8, r.Promotes.Count);
            Assert.Equal(8, r.Suppresses.Count);
            Assert.Contains(r.Promotes[0].Text, targets);
            Assert.Equal(Truth.SpacedTokenIds[r.Promotes[0].Text[1..]], r.Promotes[0].Id);
            Assert.True(r.Promotes.Zip(r.Promotes.Skip(1)).All(p => p.First.Logit >= p.Second.Logit), "promoted tokens strongest first");
            Assert.True(r.Suppresses.Zip(r.Suppresses.Skip(1)).All(p => p.First.Logit <= p.Second.Logit), "suppressed tokens strongest first");
            Assert.True(r.Suppresses[0].Logit < 0 && r.Promotes[0].Logit > 0);
        }
        if (kind == PlantedKind.Backdoor)
        {
            Assert.Equal(" " + FixtureWords.Target, result[0].Promotes[0].Text);
        }
    }

    [Fact]
    public void Gpt2_MatchesNaiveProductOverTheRawTensors() => AgreesWithNaive(TestModels.Gpt2, llama: false);

    [Fact]
    public void LlamaUntiedHead_MatchesNaiveProductOverTheRawTensors() => AgreesWithNaive(TestModels.Llama, llama: true);

    [Fact]
    public void Explain_NeuronOutsideTheModelOrKZero_Throws()
    {
        using var lens = LogitLens.Open(TestModels.Planted);
        Assert.Throws<ArgumentOutOfRangeException>(() => lens.Explain([(0, lens.NeuronsPerLayer)], 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => lens.Explain([(lens.Layers, 0)], 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => lens.Explain([(0, 0)], 0));
    }

    [Fact]
    public void Open_MissingFolder_ThrowsModelLoadException()
    {
        var e = Assert.Throws<ModelLoadException>(() => LogitLens.Open(Path.Combine(TestModels.NewDir("none"), "absent")));
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void Open_SameFingerprintAsTheHost()
    {
        using var lens = LogitLens.Open(TestModels.Planted);
        using var host = ModelHost.Load(TestModels.Planted);
        Assert.Equal(host.Info.Fingerprint, lens.Fingerprint);
        Assert.Equal(host.Info.LegacyFingerprint, lens.LegacyFingerprint);
    }

    /// <summary>40 neurons (more than one block of 32) against logits computed one by one in double precision.</summary>
    private static void AgreesWithNaive(string dir, bool llama)
    {
        using var lens = LogitLens.Open(dir);
        var neurons = Enumerable.Range(0, 40).Select(i => (i % lens.Layers, (i * 37) % lens.NeuronsPerLayer)).ToList();
        var result = lens.Explain(neurons, k: 5);
        using var store = TensorStore.Open(dir);
        var config = ConfigReader.Read(dir);
        int d = config.Hidden, f = config.Intermediate, v = config.Vocab;
        var head = store.Get(llama ? "lm_head.weight" : "wte.weight", v, d).Span.ToArray();
        var gain = store.Get(llama ? "model.norm.weight" : "ln_f.weight", d).Span.ToArray();
        for (int n = 0; n < neurons.Count; n++)
        {
            var (layer, index) = neurons[n];
            var w = llama
                ? store.Get($"model.layers.{layer}.mlp.down_proj.weight", d, f).Span.ToArray()
                : store.Get($"h.{layer}.mlp.c_proj.weight", f, d).Span.ToArray();
            var logits = new double[v];
            for (int t = 0; t < v; t++)
            {
                double sum = 0;
                for (int j = 0; j < d; j++)
                {
                    double wj = llama ? w[j * f + index] : w[index * d + j];
                    sum += (double)head[t * d + j] * gain[j] * wj;
                }
                logits[t] = sum;
            }
            var order = Enumerable.Range(0, v).Where(lens.Tokenizer.IsKnown).OrderByDescending(t => logits[t]).ToList();
            Assert.Equal(order.Take(5), result[n].Promotes.Select(p => p.Id));
            Assert.Equal(order.AsEnumerable().Reverse().Take(5), result[n].Suppresses.Select(p => p.Id));
            Assert.Equal(logits[order[0]], result[n].Promotes[0].Logit, 1e-4);
            Assert.Equal((layer, index), (result[n].Layer, result[n].Index));
        }
    }
}
