using System.Text.Json;
using NeuronGuard.Engine;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Scoring;
using NeuronGuard.Inference;
using NeuronGuard.Offline.Evaluation;
using NeuronGuard.Offline.Evaluation.Baselines;
using NeuronGuard.Offline.IO;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Offline.Tests.TrainedModelV2;

/// <summary>One detector's held-out figures beside its random-set controls (AUROC per draw).</summary>
public sealed record DetectionOutcome(string Kind, int Size, AurocEstimate Auroc, Rate Tpr, Rate Fpr, RangeSummary? Random)
{
    public override string ToString() => $"{Kind} (top {Size}): AUROC {Auroc}, TPR {Tpr}, FPR {Fpr}" +
        (Random is null ? "" : $"; random sets AUROC mean {Random.Mean:F3} [{Random.Min:F3}, {Random.Max:F3}]");
}

/// <summary>
/// The held-out detection pipeline of <c>bench evaluate</c> on a subset, for tests: a set discovered on a discovery
/// pair (top k chosen by <see cref="SetSizeRule"/> on the pair's pooled features), random sets of the same size beside
/// it, both calibrated with <see cref="Calibrator"/> on a calibration split, and held-out prompts scored as the live
/// stream would. Splits and word lists come from tests/models/trained-gpt2-v2/data (never retrained by tests).
/// </summary>
public static class DetectionHarness
{
    public static string ModelDir => Path.Combine(RepoRoot(), "tests", "models", "trained-gpt2-v2");

    public static List<string> Texts(string split, int take = int.MaxValue) =>
        JsonlTexts.Read(Path.Combine(ModelDir, "data", split + ".jsonl")).Take(take).ToList();

    /// <summary>The manifest's string list at a path of property names (e.g. requests.harm_verbs_discovery).</summary>
    public static List<string> Manifest(params string[] path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(ModelDir, "data", "manifest.json")));
        var e = doc.RootElement;
        foreach (var p in path)
        {
            e = e.GetProperty(p);
        }
        return e.EnumerateArray().Select(x => x.GetString()!).ToList();
    }

    /// <summary>Untrained weights of v2's shape with v2's tokenizer, in <paramref name="dir"/>.</summary>
    public static string WriteUntrained(string dir, int seed)
    {
        FixtureMaker.WriteRandom(dir, new RandomModelShape
        {
            Architecture = FixtureArchitecture.Gpt2, Layers = 4, Hidden = 256, Heads = 8, Intermediate = 1024, Vocab = 4096, MaxPositions = 128,
        }, seed);
        File.Copy(Path.Combine(ModelDir, "tokenizer.json"), Path.Combine(dir, "tokenizer.json"), overwrite: true);
        return dir;
    }

    /// <param name="fixedSize">A set size given up front (the backdoor kind takes DiscoverJob's default, 10); null runs <see cref="SetSizeRule"/>.</param>
    public static DetectionOutcome Run(string modelDir, NeuronSetKind kind, List<string> discPos, List<string> discNeg, List<string> calibration, float fpr,
        List<string> evalPos, List<string> evalNeg, int randomDraws, int? fixedSize = null)
    {
        using var host = ModelHost.Load(modelDir, new ModelHostOptions { Threads = 1 });
        int size = fixedSize ?? 0;
        using (var capture = fixedSize is null ? new AllNeuronCapture(host) : null)
        {
            if (capture is not null)
            {
                size = SetSizeRule.Choose(discPos.Select(t => AllNeuronCapture.PooledMax(capture.Run(t))).ToList(),
                    discNeg.Select(t => AllNeuronCapture.PooledMax(capture.Run(t))).ToList()).Size;
            }
        }
        var found = Discoverer.Run(host, discPos, discNeg, kind, new DiscoverOptions { TopK = size, SetName = "detector" });
        var auroc = found.Ranked.ToDictionary(r => r.Neuron, r => r.Auroc);
        IReadOnlyList<NeuronRef[]> draws = randomDraws == 0 ? [] : RandomNeuronSets.Draw(size, host.Info.Layers, host.Info.MlpNeurons, randomDraws, seed: 2600 + (int)kind);
        var random = draws
            .Select((d, i) => new NeuronSet
            {
                Name = $"random-{i}", Kind = kind,
                Neurons = d.Select(n => new CatalogNeuron { Layer = n.Layer, Index = n.Index, Score = auroc[n] }).ToList(),
            });
        var model = new ModelShape { Fingerprint = host.Info.Fingerprint, Layers = host.Info.Layers, NeuronsPerLayer = host.Info.MlpNeurons };
        var catalog = new Catalog { Model = model, Version = "detection-test", Sets = [found.Set, .. random] };
        var baseline = Calibrator.Run(host, catalog, calibration, new CalibrateOptions { Calibration = new() { TargetFpr = fpr } });
        var plan = MonitorPlan.Create(catalog, baseline);
        var detectors = plan.Detectors.Select((d, i) => (d, i)).Where(x => x.d.Kind.ToString() == kind.ToString()).ToList();
        var pos = Score(plan, host, evalPos);
        var neg = Score(plan, host, evalNeg);
        int main = detectors.Single(x => x.d.Name.EndsWith(":detector", StringComparison.Ordinal)).i;
        var randomAurocs = detectors.Where(x => x.d.Name.Contains(":random-", StringComparison.Ordinal))
            .Select(x => ScoreAuroc.Compute(pos.Select(p => p[x.i].Score).ToList(), neg.Select(p => p[x.i].Score).ToList()));
        return new DetectionOutcome(kind.ToString().ToLowerInvariant(), size,
            AurocInterval.Compute(pos.Select(p => p[main].Score).ToList(), neg.Select(p => p[main].Score).ToList()),
            Rate.Count(pos, p => p[main].Flag), Rate.Count(neg, p => p[main].Flag), randomDraws == 0 ? null : RangeSummary.Of(randomAurocs));
    }

    /// <summary>AUROC of the lexical baseline (matches of <paramref name="terms"/>) on the same held-out texts.</summary>
    public static double LexicalAuroc(IEnumerable<string> terms, List<string> pos, List<string> neg)
    {
        var lex = new LexicalScorer(terms);
        return ScoreAuroc.Compute(pos.Select(t => (float)lex.Score(t)).ToList(), neg.Select(t => (float)lex.Score(t)).ToList());
    }

    private static List<Engine.Scoring.DetectorResult[]> Score(MonitorPlan plan, ModelHost host, List<string> texts)
    {
        using var runner = new PromptRunner(host, plan.Slots);
        return texts.Select(t =>
        {
            using var scorer = plan.Rent();
            RequestScoring.Feed(scorer, runner.Run(t));
            return scorer.Results.ToArray();
        }).ToList();
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NeuronGuard.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No NeuronGuard.sln above {AppContext.BaseDirectory}: run the tests from the repository checkout.");
    }
}
