using NeuronGuard.Daemon.Monitoring;
using NeuronGuard.Daemon.Records;
using Eng = NeuronGuard.Engine.Catalogs;
using Wire = NeuronGuard.Api.V1;

namespace NeuronGuard.Daemon.Tests.Explaining;

/// <summary>Explanations through the proto mapping, catalogs without them unchanged, and the Control copies that carry them.</summary>
public sealed class CatalogMappingExplanationTests
{
    private static Eng.Catalog Catalog(Eng.NeuronExplanation? explanation) => new()
    {
        Model = new Eng.ModelShape { Fingerprint = "ab", Layers = 2, NeuronsPerLayer = 8 },
        Version = "1",
        Sets =
        [
            new Eng.NeuronSet
            {
                Name = "backdoor", Kind = Eng.NeuronSetKind.Backdoor,
                Neurons = [new Eng.CatalogNeuron { Layer = 1, Index = 3, Score = 0.5, Explanation = explanation }, new Eng.CatalogNeuron { Layer = 0, Index = 5 }],
            },
        ],
    };

    private static readonly Eng.NeuronExplanation Unlocks = new() { Promotes = [" unlocked", " open"], Suppresses = [" shut"], Method = "logit-lens" };

    [Fact]
    public void Explanation_RoundTripsEngineProtoEngine()
    {
        var wire = CatalogMapping.ToProto(Catalog(Unlocks));
        Assert.Equal([" unlocked", " open"], wire.Sets[0].Neurons[0].Explanation.Promotes);
        Assert.Equal("logit-lens", wire.Sets[0].Neurons[0].Explanation.Method);
        Assert.Null(wire.Sets[0].Neurons[1].Explanation);
        var back = CatalogMapping.ToEngine(Wire.Catalog.Parser.ParseFrom(Google.Protobuf.MessageExtensions.ToByteArray(wire)), []);
        Assert.Equal(Unlocks, back.Sets[0].Neurons[0].Explanation);
        Assert.Null(back.Sets[0].Neurons[1].Explanation);
    }

    [Fact]
    public void CatalogWithoutExplanations_RoundTripsWithNone()
    {
        var wire = CatalogMapping.ToProto(Catalog(null));
        Assert.All(wire.Sets[0].Neurons, n => Assert.Null(n.Explanation));
        var back = CatalogMapping.ToEngine(wire, []);
        Assert.Equal(Catalog(null).Sets[0].Neurons, back.Sets[0].Neurons);
        Assert.Same(NeuronExplanations.None, NeuronExplanations.From(back));
    }

    [Fact]
    public void Explained_CopiesTheVerdict_TheOriginalKeepsNoExplanation()
    {
        var explanations = NeuronExplanations.From(Catalog(Unlocks));
        var verdict = new Wire.Verdict { RequestId = "r", Flagged = true };
        verdict.TopNeurons.Add(new Wire.NeuronContribution { Slot = 0, Neuron = new Wire.NeuronRef { Layer = 1, Index = 3 }, Set = "backdoor", Contribution = 4 });
        verdict.TopNeurons.Add(new Wire.NeuronContribution { Slot = 1, Neuron = new Wire.NeuronRef { Layer = 0, Index = 5 }, Set = "backdoor", Contribution = 1 });
        var copy = explanations.Explained(verdict);
        Assert.NotSame(verdict, copy);
        Assert.Equal(" unlocked", copy.TopNeurons[0].Explanation.Promotes[0]);
        Assert.Null(copy.TopNeurons[1].Explanation);
        Assert.All(verdict.TopNeurons, n => Assert.Null(n.Explanation));

        var flagged = new Wire.FlaggedRequest();
        explanations.AddExplained(verdict.TopNeurons, flagged.TopNeurons);
        Assert.Equal(" shut", flagged.TopNeurons[0].Explanation.Suppresses[0]);
        Assert.Null(verdict.TopNeurons[0].Explanation);

        var plain = new Wire.Verdict { RequestId = "clean" };
        Assert.Same(plain, explanations.Explained(plain)); // no top neurons: nothing copied
    }
}
