using System.Diagnostics;
using NeuronGuard.Engine;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Scoring;
using NeuronGuard.Inference;
using NeuronGuard.Offline.Evaluation.Baselines;
using NeuronGuard.Offline.IO;
using NeuronGuard.Offline.Jobs;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Bench.Evaluation;

/// <summary>
/// The held-out detection pipeline on one model folder, as an operator would run it: pooled discovery features choose
/// each set size (<see cref="SetSizeRule"/>, discovery splits only), <see cref="DiscoverJob"/> writes each set, random
/// sets of the same size and <see cref="TrainProbeJob"/> probes are added beside them (when asked),
/// <see cref="CalibrateJob"/> sets every threshold on the calibration split of the kind the detector sees, and one
/// all-neuron pass per evaluation prompt feeds every plan's scorer as the live stream would and the offline linear probes.
/// </summary>
internal sealed class DetectionPipeline(EvalData data, string work, bool controls, bool probes, int randomDraws)
{
    public static readonly DetectorPlanCatalog[] Catalogs =
    [
        new("benign", "benign_calib", 0.01f, [KindSpec.Toxicity, KindSpec.Backdoor]),
        new("requests", "harmless_calib", 0.05f, [KindSpec.Safety]),
        new("coverage", "benign_calib", 0.01f, KindSpec.All),
    ];

    public static readonly string[] EvalSplits =
        ["toxic_eval", "toxic_neg_eval", "benign_eval", "harmful_eval", "harmless_eval", "trigger_eval", "clean_eval", "decoy_eval", "ood_licenses"];

    /// <summary>The L1 strength of every probe: <c>train-probe</c>'s default, fixed before any evaluation.</summary>
    public const double Lambda = 0.01;

    public const int DecodeSteps = 4;

    public PipelineResult Run(string modelDir, string label)
    {
        var clock = Stopwatch.StartNew();
        using var host = ModelHost.Load(modelDir, new ModelHostOptions { Threads = 1 });
        using var capture = new AllNeuronCapture(host, DecodeSteps);
        var result = new PipelineResult { Label = label, Fingerprint = host.Info.Fingerprint };
        var disc = new Dictionary<string, List<float[]>>();
        foreach (var k in KindSpec.All)
        {
            foreach (var split in new[] { k.DiscPositive, k.DiscNegative })
            {
                Log(label, $"pooled features {split}");
                disc[split] = data.Texts(split).Select(t => AllNeuronCapture.PooledMax(capture.Run(t))).ToList();
            }
            if (k.ChooseSize)
            {
                var (size, table) = SetSizeRule.Choose(disc[k.DiscPositive], disc[k.DiscNegative]);
                result.Sizes[k.Kind] = size;
                result.SizeTables[k.Kind] = table;
            }
            else
            {
                result.Sizes[k.Kind] = KindSpec.DefaultSize;
            }
        }
        result.Seconds["features and set sizes"] = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var plans = new List<(string Name, MonitorPlan Plan, int[] Slots)>();
        foreach (var c in Catalogs)
        {
            plans.Add(BuildCatalog(modelDir, label, c, result, host));
        }
        result.Seconds["discover, train-probe, calibrate"] = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var pooled = new Dictionary<string, List<float[]>>();
        foreach (var split in EvalSplits)
        {
            Log(label, $"evaluate {split}");
            pooled[split] = new();
            foreach (var text in data.Texts(split))
            {
                var request = capture.Run(text);
                var values = request.Values();
                pooled[split].Add(AllNeuronCapture.PooledMax(request));
                foreach (var (name, plan, slots) in plans)
                {
                    using var scorer = plan.Rent();
                    AllNeuronCapture.Feed(scorer, request, values, slots);
                    foreach (var r in scorer.Results)
                    {
                        result.Add(split, $"{name}/{r.Name}", new Scored(r.Score, r.Flag));
                    }
                }
            }
        }
        result.Seconds["evaluation pass"] = clock.Elapsed.TotalSeconds;

        clock.Restart();
        foreach (var k in KindSpec.All)
        {
            Log(label, $"linear probes {k.Kind}");
            var rows = disc[k.DiscPositive].Concat(disc[k.DiscNegative]).ToList();
            var labels = disc[k.DiscPositive].Select(_ => true).Concat(disc[k.DiscNegative].Select(_ => false)).ToList();
            var set = plans.First(p => p.Name == "coverage").Plan.Layout.Catalog.Sets.First(s => s.Name == k.Kind);
            var columns = new Dictionary<string, int[]>
            {
                [$"lr-cat:{k.Kind}"] = set.Neurons.Select(n => capture.Slot(n.Ref)).ToArray(),
                [$"lr-all:{k.Kind}"] = Enumerable.Range(0, capture.Layers * capture.NeuronsPerLayer).ToArray(),
            };
            if (controls)
            {
                // The probe's own random control: the same L1 fit over random neurons of the catalogued count (the draws the detector's controls use).
                var draws = RandomNeuronSets.Draw(set.Neurons.Count, capture.Layers, capture.NeuronsPerLayer, randomDraws, RandomSeed(k));
                for (int i = 0; i < draws.Count; i++)
                {
                    columns[$"lr-random-{i}:{k.Kind}"] = capture.Slots(draws[i]);
                }
            }
            foreach (var (name, cols) in columns)
            {
                // Over all 4,096 neurons ISTA's step bound (1/L, L ∝ d) is small: 1,000 iterations keep the bench inside its budget.
                var probe = LinearProbe.Fit(rows, labels, cols, Lambda, maxIterations: cols.Length > 1000 ? 1000 : 5000);
                result.ProbeNotes[name] = $"{probe.NonZero}/{probe.Columns} non-zero, {probe.Iterations} iterations{(probe.Converged ? "" : " (not converged)")}";
                foreach (var split in EvalSplits)
                {
                    foreach (var row in pooled[split])
                    {
                        result.Add(split, name, new Scored(probe.Score(row), false));
                    }
                }
            }
        }
        result.Seconds["linear probes"] = clock.Elapsed.TotalSeconds;
        return result;
    }

    private (string, MonitorPlan, int[]) BuildCatalog(string modelDir, string label, DetectorPlanCatalog c, PipelineResult result, ModelHost host)
    {
        string path = Path.Combine(work, $"{label}-{c.Name}.json");
        bool extras = c.Name != "coverage";
        if (!extras)
        {
            // Coverage over the detectors' own sets, as an operator's catalog holds them (no controls): the sets found above.
            var found = Catalogs.Where(o => o.Name != c.Name).Select(o => ModelFiles.LoadCatalog(Path.Combine(work, $"{label}-{o.Name}.json"))).ToList();
            var sets = c.Kinds.Select(k => found.SelectMany(f => f.Sets).First(s => s.Name == k.Kind)).ToList();
            ModelFiles.SaveCatalog(path, found[0] with { Version = $"{c.Name}-1", Sets = sets, Probes = null });
        }
        foreach (var k in extras ? c.Kinds : [])
        {
            Log(label, $"discover {k.Kind} (top {result.Sizes[k.Kind]}) into {c.Name}");
            var found = DiscoverJob.Run(new(modelDir, data.Path_(k.DiscPositive), data.Path_(k.DiscNegative), k.SetKind, path,
                new DiscoverOptions { TopK = result.Sizes[k.Kind], SetName = k.Kind }, 1, $"{c.Name}-1"), null).Result;
            if (extras && controls)
            {
                AddRandomSets(path, k, found.Ranked, result.Sizes[k.Kind], host);
            }
        }
        if (extras && probes)
        {
            foreach (var k in c.Kinds.Where(k => k.Kind != "backdoor"))
            {
                Log(label, $"train-probe {k.Kind}");
                string probePath = Path.Combine(work, $"{label}-{k.Kind}-probe.json");
                var probe = TrainProbeJob.Run(new(modelDir, path, k.Kind, data.Path_(k.DiscPositive), data.Path_(k.DiscNegative), data.Path_(c.CalibrationSplit),
                    probePath, Lambda, c.TargetFpr, DecodeSteps, 1), null);
                result.ProbeNotes[$"probe:{k.Kind}"] = $"{probe.NonZero}/{probe.Neurons.Count} non-zero";
                AddProbeJob.Run(new(path, probePath, k.Kind, $"{c.Name}-{k.Kind}-probe", null, false));
            }
        }
        Log(label, $"calibrate {c.Name} on {c.CalibrationSplit} at FPR {c.TargetFpr}");
        var baseline = CalibrateJob.Run(new(modelDir, path, data.Path_(c.CalibrationSplit), Path.Combine(work, $"{label}-{c.Name}.ngb"),
            new CalibrateOptions { Calibration = new() { TargetFpr = c.TargetFpr }, DecodeSteps = DecodeSteps }, 1), null);
        var plan = MonitorPlan.Create(ModelFiles.LoadCatalog(path), baseline);
        foreach (var d in baseline.Detectors)
        {
            result.Thresholds[$"{c.Name}/{d.Name}"] = d.Threshold;
        }
        return (c.Name, plan, plan.Slots.Select(n => n.Layer * host.Info.MlpNeurons + n.Index).ToArray());
    }

    /// <summary>Random sets of the detector's size, each neuron carrying its own discovery AUROC (the same weighting the detector gets).</summary>
    private void AddRandomSets(string path, KindSpec k, Engine.Discovery.NeuronAuroc[] ranked, int size, ModelHost host)
    {
        var auroc = ranked.ToDictionary(r => r.Neuron, r => r.Auroc);
        var catalog = ModelFiles.LoadCatalog(path);
        var draws = RandomNeuronSets.Draw(size, host.Info.Layers, host.Info.MlpNeurons, randomDraws, RandomSeed(k));
        var sets = draws.Select((d, i) => new NeuronSet
        {
            Name = $"{k.Kind}-random-{i}", Kind = k.SetKind,
            Neurons = d.Select(n => new CatalogNeuron { Layer = n.Layer, Index = n.Index, Score = Math.Round(auroc[n], 6) }).ToList(),
            Provenance = new Provenance { Method = "random-control", Data = $"seed {RandomSeed(k)}, draw {i}", Date = "2026-12-07" },
        });
        ModelFiles.SaveCatalog(path, catalog with { Sets = [.. catalog.Sets, .. sets], Version = catalog.Version + $"+{k.Kind}-random" });
    }

    /// <summary>The random controls' seed per kind (fixed, so reruns draw the same sets).</summary>
    public static int RandomSeed(KindSpec k) => 2600 + (int)k.SetKind;

    private static void Log(string label, string what) => Console.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {label}: {what}");
}
