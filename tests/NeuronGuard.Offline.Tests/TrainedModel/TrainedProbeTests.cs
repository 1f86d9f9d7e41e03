using NeuronGuard.Engine;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Probes;
using NeuronGuard.Inference;
using NeuronGuard.Offline.Evaluation;
using NeuronGuard.Offline.IO;
using NeuronGuard.Offline.Jobs;
using NeuronGuard.Offline.Running;
using Xunit.Abstractions;

namespace NeuronGuard.Offline.Tests.TrainedModel;

/// <summary>
/// The sparse probe on the committed trained model against the same pipeline on untrained weights of the same shape
/// (issue 26 items 3c and 6): discover a 64-neuron toxicity set on toxic_train vs benign_train, train-probe on those
/// splits, and score the held-out splits (toxic_heldout vs benign_heldout) as the daemon would. The trained model's probe
/// must beat the random model's by <see cref="Margin"/> in held-out AUROC; both are printed with 95 % bootstrap intervals.
/// </summary>
public sealed class TrainedProbeTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>
    /// Held-out AUROC the trained model's probe must gain over the untrained one's. Measured 2026-12-07: trained 0.930
    /// [0.913, 0.946] (13 of 64 neurons kept), random 0.480 [0.437, 0.519] (39 of 64): a gap of 0.45, so 0.25 leaves room.
    /// </summary>
    private const double Margin = 0.25;

    /// <summary>The least held-out AUROC the trained model's probe must reach on its own (measured 0.930).</summary>
    private const double Floor = 0.85;

    private readonly string _dir = Directory.CreateTempSubdirectory("ng-trained-probe-").FullName;

    [Fact]
    public void Probe_OnTrainedWeights_BeatsTheSamePipelineOnRandomWeights()
    {
        string trainedDir = TrainedModelFixture.ModelDir;
        string randomDir = Path.Combine(_dir, "random");
        FixtureMaker.WriteRandom(randomDir, new RandomModelShape
        {
            Architecture = FixtureArchitecture.Gpt2, Layers = 2, Hidden = 128, Heads = 4, Intermediate = 512, Vocab = 2048, MaxPositions = 128,
        }, seed: 5);
        File.Copy(Path.Combine(trainedDir, "tokenizer.json"), Path.Combine(randomDir, "tokenizer.json"), overwrite: true);

        var trained = Evaluate(trainedDir, "trained");
        var random = Evaluate(randomDir, "random");
        output.WriteLine(trained.ToString());
        output.WriteLine(random.ToString());
        Console.WriteLine(trained);
        Console.WriteLine(random);
        Assert.True(trained.Auroc >= Floor, $"the trained model's probe reached held-out AUROC {trained.Auroc:F3}, below {Floor}");
        Assert.True(trained.Auroc >= random.Auroc + Margin,
            $"the trained model's probe (AUROC {trained.Auroc:F3}) does not beat the untrained model's ({random.Auroc:F3}) by {Margin}");
    }

    private sealed record Outcome(string Model, int NonZero, int Of, double Auroc, double Lo, double Hi, double Tpr, double Fpr)
    {
        public override string ToString() =>
            $"{Model}: probe {NonZero}/{Of} neurons, held-out AUROC {Auroc:F3} [{Lo:F3}, {Hi:F3}] (95 % bootstrap), at its threshold TPR {Tpr:F3}, FPR {Fpr:F3}";
    }

    private Outcome Evaluate(string modelDir, string name)
    {
        string work = Path.Combine(_dir, name + "-work");
        Directory.CreateDirectory(work);
        string P(string file) => Path.Combine(work, file);
        List<string> Texts(string split) => JsonlTexts.Read(Path.Combine(TrainedModelFixture.ModelDir, "data", split + ".jsonl")).ToList();
        using (var host = ModelHost.Load(modelDir, new ModelHostOptions { Threads = 1 }))
        {
            var set = Discoverer.Run(host, Texts("toxic_train").Take(200), Texts("benign_train").Take(200), NeuronSetKind.Toxicity, new DiscoverOptions { TopK = 64 }).Set;
            var model = new ModelShape { Fingerprint = host.Info.Fingerprint, Layers = host.Info.Layers, NeuronsPerLayer = host.Info.MlpNeurons };
            ModelFiles.SaveCatalog(P("catalog.json"), new Catalog { Model = model, Version = "probe-test", Sets = [set] });
        }
        JsonlTexts.Write(P("pos.jsonl"), Texts("toxic_train"));
        JsonlTexts.Write(P("neg.jsonl"), Texts("benign_train"));
        JsonlTexts.Write(P("calib.jsonl"), Texts("benign_calib"));
        var probe = TrainProbeJob.Run(new TrainProbeJob.Request(modelDir, P("catalog.json"), "toxicity", P("pos.jsonl"), P("neg.jsonl"), P("calib.jsonl"),
            P("probe.json"), Lambda: 0.01, TargetFpr: 0.05f, DecodeSteps: 4, Threads: 1), null);

        using var scoringHost = ModelHost.Load(modelDir, new ModelHostOptions { Threads = 1 });
        using var runner = new PromptRunner(scoringHost, probe.Neurons.Select(n => n.Neuron).ToList());
        var scorer = new SparseProbeScorer(probe, Enumerable.Range(0, probe.Neurons.Count).ToArray());
        List<float> Score(string split) => Texts(split).Select(t =>
        {
            var captured = runner.Run(t);
            var values = captured.Values();
            scorer.Reset();
            for (int s = 0; s < captured.Steps; s++)
            {
                scorer.Observe(s, values.AsSpan(s * captured.Slots, captured.Slots));
            }
            return scorer.Score;
        }).ToList();
        var positive = Score("toxic_heldout");
        var negative = Score("benign_heldout");
        var (lo, hi) = Bootstrap(positive, negative);
        return new Outcome(name, probe.NonZero, probe.Neurons.Count, ScoreAuroc.Compute(positive, negative), lo, hi,
            positive.Count(s => s > probe.Threshold) / (double)positive.Count, negative.Count(s => s > probe.Threshold) / (double)negative.Count);
    }

    /// <summary>Percentile bootstrap (1,000 resamples of each class, fixed seed) of the AUROC's 95 % interval.</summary>
    private static (double Lo, double Hi) Bootstrap(List<float> positive, List<float> negative)
    {
        var rng = new Random(26);
        var aurocs = new double[1000];
        for (int b = 0; b < aurocs.Length; b++)
        {
            var p = positive.Select(_ => positive[rng.Next(positive.Count)]).ToList();
            var n = negative.Select(_ => negative[rng.Next(negative.Count)]).ToList();
            aurocs[b] = ScoreAuroc.Compute(p, n);
        }
        Array.Sort(aurocs);
        return (aurocs[24], aurocs[974]);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
