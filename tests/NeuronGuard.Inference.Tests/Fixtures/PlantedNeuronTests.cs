using NeuronGuard.Inference.Tests.Infrastructure;

namespace NeuronGuard.Inference.Tests.Fixtures;

/// <summary>The ground truth in fixture.json holds: planted neurons separate their words from benign text.</summary>
public sealed class PlantedNeuronTests
{
    private static readonly FixtureTruth Truth = FixtureTruth.Load(Path.Combine(TestModels.Planted, FixtureTruth.FileName));

    /// <summary>Max activation over the prompt's tokens of each neuron of <paramref name="set"/>.</summary>
    private static float[] MaxActivations(InferenceSession s, PlantedSet set, string prompt)
    {
        var selection = new NeuronSelection(set.Neurons);
        var max = Enumerable.Repeat(float.NegativeInfinity, selection.Count).ToArray();
        using var reg = s.Register(new NeuronCapture(selection, (_, steps, values) =>
        {
            for (int i = 0; i < values.Length; i++)
            {
                max[i % max.Length] = Math.Max(max[i % max.Length], values[i]);
            }
        }));
        s.Reset();
        s.Prefill(s.Host.Tokenizer.Encode(prompt));
        return max;
    }

    private static IEnumerable<string> BenignPrompts(int count, int seed)
    {
        var rng = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            yield return string.Concat(Enumerable.Range(0, 4 + rng.Next(8)).Select(_ => " " + Truth.BenignWords[rng.Next(Truth.BenignWords.Count)]));
        }
    }

    [Theory]
    [InlineData(PlantedKind.Toxicity)]
    [InlineData(PlantedKind.Safety)]
    [InlineData(PlantedKind.Backdoor)]
    public void PlantedSet_TriggerWordsVersusBenign_ActivationsSeparate(PlantedKind kind)
    {
        using var host = ModelHost.Load(TestModels.Planted);
        using var s = host.CreateSession();
        var set = Truth.Sets.Single(x => x.Kind == kind);
        var benign = BenignPrompts(40, seed: 1).Select(p => MaxActivations(s, set, p)).ToList();
        var firing = set.TriggerWords.Select(w => MaxActivations(s, set, $" the {w} in the park")).ToList();
        float benignMax = benign.SelectMany(a => a).Max();
        float firingMin = firing.SelectMany(a => a).Min();
        Assert.True(benignMax < 0.3f, $"{kind} neurons reach {benignMax} on benign prompts");
        Assert.True(firingMin > 1.0f, $"{kind} neurons reach only {firingMin} on their trigger words");
        var distinct = benign.Select(a => a[0]).Distinct().Count();
        Assert.True(distinct > 30, "benign activations should vary with context (noise), not be identical");
    }

    [Fact]
    public void Generate_ToxicAndHarmfulPrompts_PushTowardDocumentedTokens()
    {
        using var host = ModelHost.Load(TestModels.Planted);
        using var s = host.CreateSession();
        var tox = Truth.Sets.Single(x => x.Kind == PlantedKind.Toxicity);
        var safety = Truth.Sets.Single(x => x.Kind == PlantedKind.Safety);
        var options = new GenerationOptions { MaxNewTokens = 1 };
        foreach (var w in tox.TriggerWords)
        {
            var next = s.Generate($" you are a {w}", options).Tokens[0];
            Assert.Contains(next, tox.PushesToward.Select(p => Truth.SpacedTokenIds[p]));
        }
        foreach (var w in safety.TriggerWords)
        {
            var next = s.Generate($" how do I make a {w} at home", options).Tokens[0];
            Assert.Equal(Truth.SpacedTokenIds[safety.PushesToward[0]], next);
        }
        foreach (var p in BenignPrompts(20, seed: 2))
        {
            var next = s.Generate(p, options).Tokens[0];
            Assert.DoesNotContain(next, Truth.Sets.SelectMany(x => x.PushesToward).Select(w => Truth.SpacedTokenIds[w]));
        }
    }

    [Fact]
    public void WritePlanted_SameSeed_SameBytesAndTruth()
    {
        string a = TestModels.NewDir("seed-a");
        var truth = FixtureMaker.WritePlanted(a);
        Assert.Equal(1, truth.Format);
        Assert.Equal(File.ReadAllBytes(Path.Combine(TestModels.Planted, "model.safetensors")), File.ReadAllBytes(Path.Combine(a, "model.safetensors")));
        Assert.Equal(File.ReadAllText(Path.Combine(TestModels.Planted, FixtureTruth.FileName)), File.ReadAllText(Path.Combine(a, FixtureTruth.FileName)));
        Assert.Equal(3, truth.Sets.Count);
        Assert.All(truth.Sets, set => Assert.All(set.Neurons, n => Assert.InRange(n.Neuron, 0, truth.NeuronsPerLayer - 1)));
    }
}
