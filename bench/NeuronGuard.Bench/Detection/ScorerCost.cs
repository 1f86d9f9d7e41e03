using System.Diagnostics;
using NeuronGuard.Engine;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Scoring;

namespace NeuronGuard.Bench.Detection;

/// <summary>
/// Per-step cost of the RequestScorer (all detectors, one step per frame, top neurons read every step) against a
/// naive reference that computes only the toxicity formula with LINQ and a sorted top-5 per step.
/// </summary>
internal static class ScorerCost
{
    public sealed record Row(int Slots, double EngineNsPerStep, double EngineBytesPerStep, double ScoresOnlyNsPerStep, double NaiveNsPerStep, double NaiveBytesPerStep);

    public static List<Row> Measure() => [Measure(20, 200_000), Measure(1_000, 20_000), Measure(8_000, 2_000)];

    /// <summary>
    /// A synthetic plan of <paramref name="slots"/> slots — four equal sets (toxicity, safety, backdoor, custom) over
    /// distinct neurons and a sparse probe over every fourth toxicity neuron, N(0,1) statistics, thresholds 3 — and 64 steps of frames in [−2, 2]. Shared with the metrics bench.
    /// </summary>
    internal static MonitorPlan SyntheticPlan(int slots, out float[] frames)
    {
        var rng = new Random(3);
        var kinds = new[] { NeuronSetKind.Toxicity, NeuronSetKind.Safety, NeuronSetKind.Backdoor, NeuronSetKind.Custom };
        var sets = kinds.Select((k, s) => new NeuronSet
        {
            Name = k.ToString().ToLowerInvariant(),
            Kind = k,
            Neurons = Enumerable.Range(0, slots / 4).Select(i => new CatalogNeuron { Layer = s, Index = i, Score = 0.5 + rng.NextDouble() / 2 }).ToList(),
        }).ToList();
        // A sparse probe over a quarter of the toxicity set's neurons (L1 keeps few), so the probe detector is in the cost too.
        var probe = new CatalogProbe
        {
            Name = "toxicity", Set = "toxicity", Bias = -2,
            Neurons = sets[0].Neurons.Where((_, i) => i % 4 == 0)
                .Select(n => new CatalogProbeNeuron { Layer = n.Layer, Index = n.Index, Weight = rng.NextDouble() - 0.25, Mean = 0, Scale = 1 }).ToList(),
        };
        var catalog = new Catalog { Model = new ModelShape { Fingerprint = "bench", Layers = 4, NeuronsPerLayer = slots }, Version = "1", Sets = sets, Probes = [probe] };
        var layout = SlotLayout.From(catalog);
        var baseline = new Baseline
        {
            Fingerprint = "bench", CatalogVersion = "1", Bins = 32, MassThreshold = 0.001f, TargetFpr = 0.01f,
            Slots = layout.Slots.Select(n => new SlotBaseline(n, 0f, 1f, 1f, -3f, 3f, Enumerable.Repeat((ushort)2048, 32).ToArray())).ToArray(),
            Detectors = Scoring(layout).Select(d => new DetectorCalibration(d, 3f, [])).ToArray(),
        };
        frames = new float[64 * layout.Count];
        for (int i = 0; i < frames.Length; i++)
        {
            frames[i] = (float)(rng.NextDouble() * 4 - 2);
        }
        return MonitorPlan.Create(catalog, baseline);
    }

    private static Row Measure(int slots, int steps)
    {
        var plan = SyntheticPlan(slots, out var frames);
        var layout = plan.Layout;
        var (engineNs, engineBytes) = Time(steps, () => RunEngine(plan, frames, steps, readTop: true));
        var (scoresNs, _) = Time(steps, () => RunEngine(plan, frames, steps, readTop: false));
        var tox = layout.Set("toxicity");
        var (naiveNs, naiveBytes) = Time(steps, () => RunNaive(tox, layout.Count, frames, steps));
        return new Row(layout.Count, engineNs, engineBytes, scoresNs, naiveNs, naiveBytes);
    }

    private static IEnumerable<string> Scoring(SlotLayout layout) => DetectorSpec.For(layout).Select(d => d.Name);

    /// <summary>Best-of-<paramref name="rounds"/> nanoseconds and allocated bytes per step of <paramref name="run"/>, after a warm-up. Shared with the metrics bench.</summary>
    internal static (double Ns, double Bytes) Time(int steps, Func<double> run, int rounds = 3)
    {
        run(); // warm-up: JIT and pools
        double best = double.MaxValue, bytes = 0;
        for (int r = 0; r < rounds; r++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            run();
            best = Math.Min(best, sw.Elapsed.TotalNanoseconds / steps);
            bytes = (double)(GC.GetAllocatedBytesForCurrentThread() - before) / steps;
        }
        return (best, bytes);
    }

    private static double RunEngine(MonitorPlan plan, float[] frames, int steps, bool readTop)
    {
        int width = plan.Slots.Count;
        double sink = 0;
        var scorer = plan.Rent();
        for (int t = 0; t < steps; t++)
        {
            if (t % 64 == 0 && t > 0)
            {
                scorer.Dispose();
                scorer = plan.Rent();
            }
            scorer.Feed(t % 64, 1, frames.AsSpan(t % 64 * width, width));
            for (int d = 0; d < scorer.Results.Length; d++)
            {
                sink += scorer.Results[d].Score + (readTop ? scorer.TopNeurons(d).Length : 0);
            }
        }
        scorer.Dispose();
        return sink;
    }

    /// <summary>The straightforward version: LINQ per step, a new array and a sort for the top 5.</summary>
    private static double RunNaive(SetSlots tox, int width, float[] frames, int steps)
    {
        var weights = tox.Neurons.Select(n => Math.Max(0, 2 * n.Score!.Value - 1)).ToArray();
        double total = weights.Sum();
        double sink = 0, best = double.MinValue;
        for (int t = 0; t < steps; t++)
        {
            var row = frames.Skip(t % 64 * width).Take(width).ToArray();
            var z = tox.Slots.Select((s, i) => weights[i] / total * (row[s] - 0.0) / 1.0).ToArray();
            double score = z.Sum();
            var top = z.Select((v, i) => (v, i)).OrderByDescending(p => p.v).Take(5).ToList();
            best = Math.Max(best, score);
            sink += top.Count + best;
        }
        return sink;
    }
}
