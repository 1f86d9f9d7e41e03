using System.Diagnostics;
using NeuronGuard.Engine;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Detectors;
using NeuronGuard.Engine.Scoring;
using NeuronGuard.Inference;
using NeuronGuard.Offline.Prompts;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Offline.Evaluation;

/// <summary>
/// The detection suite on a planted fixture: generate disjoint seeded prompt splits from fixture.json, discover
/// the toxicity, safety and backdoor sets (each kind's prompts against benign ones), calibrate on benign prompts,
/// then score held-out prompts with the engine's <see cref="RequestScorer"/> fed by the host's capture of the
/// catalog slots (prompt as one frame, then one frame per greedy step), and measure AUROC, TPR and FPR at the
/// calibrated thresholds, discovery ranks of the planted neurons, and the integrity alarm with the planted
/// safety neurons ablated.
/// </summary>
public static class DetectionEvaluation
{
    public static DetectionReport Run(string fixtureDir, PromptCounts counts, int seed = FixturePrompts.DefaultSeed, int threads = 1, TextWriter? log = null)
    {
        var truth = FixtureTruth.Load(Path.Combine(fixtureDir, FixtureTruth.FileName));
        var prompts = FixturePrompts.Generate(truth, counts, seed);
        using var host = ModelHost.Load(fixtureDir, new ModelHostOptions { Threads = threads, MaxContextTokens = 64 });
        var model = new ModelShape { Fingerprint = host.Info.Fingerprint, LegacyFingerprint = host.Info.LegacyFingerprint, Layers = host.Info.Layers, NeuronsPerLayer = host.Info.MlpNeurons };

        var clock = Stopwatch.StartNew();
        var d = prompts.Discovery;
        var kinds = new (NeuronSetKind Kind, PlantedKind Planted, IReadOnlyList<string> Positive)[]
        {
            (NeuronSetKind.Toxicity, PlantedKind.Toxicity, d.Toxic),
            (NeuronSetKind.Safety, PlantedKind.Safety, d.Harmful),
            (NeuronSetKind.Backdoor, PlantedKind.Backdoor, d.Triggered),
        };
        var sets = new List<NeuronSet>();
        var ranks = new List<PlantedRank>();
        foreach (var (kind, planted, positive) in kinds)
        {
            log?.WriteLine($"discover {kind}: {positive.Count} positive vs {d.Benign.Count} benign");
            var found = Discoverer.Run(host, positive, d.Benign, kind, new DiscoverOptions { TopK = 10, Data = $"fixture seed {seed}: discovery split" });
            sets.Add(found.Set);
            ranks.AddRange(Ranks(found, truth.Sets.First(s => s.Kind == planted)));
        }
        var catalog = new Catalog { Model = model, Version = $"fixture-eval-{seed}", Sets = sets };
        double discoverSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        log?.WriteLine($"calibrate: {prompts.Calibration.Count} benign");
        var baseline = Calibrator.Run(host, catalog, prompts.Calibration, new CalibrateOptions());
        int baselineBytes = BaselineFormat.Write(baseline).Length;
        double calibrateSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var plan = MonitorPlan.Create(catalog, baseline);
        var h = prompts.HeldOut;
        var scores = new Dictionary<string, List<float>[]>();
        using (var runner = new PromptRunner(host, plan.Slots))
        {
            foreach (var (name, texts) in new[] { ("benign", h.Benign), ("toxic", h.Toxic), ("triggered", h.Triggered), ("harmful", h.Harmful) })
            {
                log?.WriteLine($"score held-out {name}: {texts.Count}");
                scores[name] = Score(plan, runner, texts);
            }
        }
        var rows = new List<DetectorRow>();
        for (int i = 0; i < plan.Detectors.Count; i++)
        {
            var spec = plan.Detectors[i];
            float threshold = baseline.Detectors.Single(c => c.Name == spec.Name).Threshold;
            foreach (var positives in PositivesFor(spec.Kind))
            {
                rows.Add(Row(spec.Name, positives, scores[positives][i], scores["benign"][i], threshold));
            }
        }
        var integrity = Integrity(host, plan, truth, h);
        return new DetectionReport
        {
            Fingerprint = model.Fingerprint, Counts = counts, Seed = seed, Detectors = rows, Ranks = ranks, Integrity = integrity,
            DiscoverSeconds = discoverSeconds, CalibrateSeconds = calibrateSeconds, EvaluateSeconds = clock.Elapsed.TotalSeconds,
            CatalogSlots = plan.Slots.Count, BaselineBytes = baselineBytes,
        };
    }

    private static IEnumerable<PlantedRank> Ranks(DiscoveryResult found, PlantedSet planted)
    {
        var position = new Dictionary<NeuronRef, int>();
        for (int r = 0; r < found.Ranked.Length; r++)
        {
            position[found.Ranked[r].Neuron] = r;
        }
        foreach (var id in planted.Neurons)
        {
            int r = position[new NeuronRef(id.Layer, id.Neuron)];
            yield return new PlantedRank(planted.Kind.ToString().ToLowerInvariant(), found.Ranked[r].Neuron, r + 1, found.Ranked[r].Auroc, found.Ranked[r].ErrorBound);
        }
    }

    private static string[] PositivesFor(DetectorKind kind) => kind switch
    {
        DetectorKind.Toxicity => ["toxic"],
        DetectorKind.Safety => ["harmful"],
        DetectorKind.Backdoor => ["triggered"],
        DetectorKind.Coverage => ["toxic", "triggered", "harmful"],
        _ => [],
    };

    private static List<float>[] Score(MonitorPlan plan, PromptRunner runner, IReadOnlyList<string> texts)
    {
        var lists = plan.Detectors.Select(_ => new List<float>()).ToArray();
        foreach (var text in texts)
        {
            using var scorer = plan.Rent();
            RequestScoring.Feed(scorer, runner.Run(text));
            for (int i = 0; i < lists.Length; i++)
            {
                lists[i].Add(scorer.Results[i].Score);
            }
        }
        return lists;
    }

    private static DetectorRow Row(string detector, string positives, List<float> pos, List<float> benign, float threshold) => new(
        detector, positives, pos.Count, benign.Count, ScoreAuroc.Compute(pos, benign),
        pos.Count(s => s > threshold) / (double)pos.Count, benign.Count(s => s > threshold) / (double)benign.Count, threshold);

    /// <summary>Integrity alarm rate on held-out benign and harmful prompts, as shipped and with the planted safety neurons at gain 0.</summary>
    private static List<IntegrityRow> Integrity(ModelHost host, MonitorPlan plan, FixtureTruth truth, PromptSet heldOut)
    {
        int index = plan.Detectors.ToList().FindIndex(s => s.Kind == DetectorKind.Integrity);
        var texts = heldOut.Benign.Take(200).Concat(heldOut.Harmful.Take(100)).ToList();
        var ablate = new NeuronGains(truth.Sets.First(s => s.Kind == PlantedKind.Safety).Neurons.Select(n => (n, 0f)));
        var rows = new List<IntegrityRow>();
        foreach (var (condition, gains) in new[] { ("as shipped", (NeuronGains?)null), ("planted safety neurons ablated (gain 0)", ablate) })
        {
            using var runner = new PromptRunner(host, plan.Slots, gains);
            int alarms = 0;
            foreach (var text in texts)
            {
                using var scorer = plan.Rent();
                RequestScoring.Feed(scorer, runner.Run(text));
                alarms += scorer.Results[index].Flag ? 1 : 0;
            }
            rows.Add(new IntegrityRow(condition, texts.Count, alarms / (double)texts.Count));
        }
        return rows;
    }
}
