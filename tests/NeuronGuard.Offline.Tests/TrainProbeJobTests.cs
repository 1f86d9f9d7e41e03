using NeuronGuard.Engine;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Probes;
using NeuronGuard.Inference;
using NeuronGuard.Offline.IO;
using NeuronGuard.Offline.Jobs;
using NeuronGuard.Offline.Prompts;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Offline.Tests;

/// <summary>
/// train-probe on the planted fixture: a catalog set of the planted toxicity neurons plus distractors, toxic vs benign
/// discovery prompts, threshold on benign calibration prompts; the written probe must separate held-out prompts.
/// </summary>
[Collection(PlantedFixtureCollection.Name)]
public sealed class TrainProbeJobTests(PlantedFixture fixture) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-probe-").FullName;

    private string P(string name) => Path.Combine(_dir, name);

    private (PromptSet HeldOut, string Catalog) Prepare()
    {
        var prompts = FixturePrompts.Generate(fixture.Truth, new PromptCounts { DiscoveryPositive = 40, DiscoveryBenign = 60, CalibrationBenign = 100, HeldOutPositive = 30, HeldOutBenign = 30 });
        JsonlTexts.Write(P("tox.jsonl"), prompts.Discovery.Toxic);
        JsonlTexts.Write(P("neg.jsonl"), prompts.Discovery.Benign);
        JsonlTexts.Write(P("benign.jsonl"), prompts.Calibration);
        var planted = fixture.Truth.Sets.First(s => s.Kind == PlantedKind.Toxicity).Neurons.Select(n => new NeuronRef(n.Layer, n.Neuron)).ToList();
        var distractors = Enumerable.Range(0, 6).Select(i => new NeuronRef(i % 4, 500 - i)).Where(n => !planted.Contains(n));
        using var host = ModelHost.Load(fixture.Dir);
        var catalog = new Catalog
        {
            Model = new ModelShape { Fingerprint = host.Info.Fingerprint, Layers = host.Info.Layers, NeuronsPerLayer = host.Info.MlpNeurons },
            Version = "p1",
            Sets = [new NeuronSet
            {
                Name = "toxicity", Kind = NeuronSetKind.Toxicity,
                Neurons = planted.Concat(distractors).Select(n => new CatalogNeuron { Layer = n.Layer, Index = n.Index }).ToList(),
                Provenance = new Provenance { Method = "planted + distractors", Data = "test", Date = "2026-12-07" },
            }],
        };
        ModelFiles.SaveCatalog(P("catalog.json"), catalog);
        return (prompts.HeldOut, P("catalog.json"));
    }

    private TrainProbeJob.Request Request(string catalog, string output) =>
        new(fixture.Dir, catalog, "toxicity", P("tox.jsonl"), P("neg.jsonl"), P("benign.jsonl"), output, 0.01, 0.05f, 4, 1);

    [Fact]
    public void TrainProbe_WritesAProbeThatSeparatesHeldOutPrompts_Deterministically()
    {
        var (heldOut, catalog) = Prepare();
        var probe = TrainProbeJob.Run(Request(catalog, P("probe.json")), null);
        Assert.True(float.IsFinite(probe.Threshold));
        Assert.True(probe.NonZero > 0);
        var read = SparseProbeJson.Deserialize(File.ReadAllText(P("probe.json")));
        Assert.Equal(probe.Neurons, read.Neurons);
        Assert.Equal(probe.Threshold, read.Threshold);

        using var host = ModelHost.Load(fixture.Dir);
        var neurons = probe.Neurons.Select(n => n.Neuron).ToList();
        using var runner = new PromptRunner(host, neurons);
        var scorer = new SparseProbeScorer(probe, Enumerable.Range(0, neurons.Count).ToArray());
        int Flagged(IEnumerable<string> texts) => texts.Count(text =>
        {
            var request = runner.Run(text);
            var values = request.Values();
            scorer.Reset();
            for (int t = 0; t < request.Steps; t++)
            {
                scorer.Observe(t, values.AsSpan(t * request.Slots, request.Slots));
            }
            return scorer.Flag;
        });
        int toxic = Flagged(heldOut.Toxic), benign = Flagged(heldOut.Benign);
        Assert.True(toxic >= heldOut.Toxic.Count * 9 / 10, $"flagged {toxic}/{heldOut.Toxic.Count} held-out toxic prompts");
        Assert.True(benign <= heldOut.Benign.Count / 10, $"flagged {benign}/{heldOut.Benign.Count} held-out benign prompts");

        TrainProbeJob.Run(Request(catalog, P("again.json")), null);
        Assert.Equal(File.ReadAllText(P("probe.json")), File.ReadAllText(P("again.json")));
    }

    [Fact]
    public void TrainProbe_UnknownSet_NamesTheSets()
    {
        var (_, catalog) = Prepare();
        var e = Assert.Throws<InvalidDataException>(() => TrainProbeJob.Run(Request(catalog, P("x.json")) with { Set = "nope" }, null));
        Assert.Contains("has no set 'nope': it has toxicity", e.Message);
        Assert.False(File.Exists(P("x.json")));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
