using System.Diagnostics;
using NeuronGuard.Inference;

namespace NeuronGuard.Bench.Aura;

/// <summary>One row measured: its gain set, its evaluation samples and its benign perplexity inputs.</summary>
internal sealed record AuraRow(GainSet Set, Samples Eval, Perplexities Benign);

/// <summary>The same pipeline on one model: discovery, then off / paper (and more rows) on the evaluation prompts.</summary>
internal sealed record AuraModelRun(string Name, AuraGainSets Sets, List<AuraRow> Rows, List<AuraRow> Random, Samples? DiscOff, Samples? DiscPaper, double Seconds, int SingleTokenWords);

/// <summary>
/// Issue 26 items 4, 5 and 7 (AurA) on tests/models/trained-gpt2-v2: the paper's AurA (the default preset) discovered on
/// toxic_disc vs toxic_neg_disc, measured on toxic_prompts_eval × independent seeds against off, knob variants, random
/// neuron sets of the same count and α distribution, and the same pipeline on untrained weights; benign perplexity
/// on benign_eval. Writes bench/results/aura-v2.md.
/// </summary>
internal sealed class AuraBenchmark : IBenchmark
{
    /// <summary>The knob variants (not the paper), fixed before evaluation: v1's top-10 cut, and every neuron at half strength.</summary>
    internal static readonly (int TopK, float Strength)[] Variants = [(10, 1f), (0, 0.5f)];

    public string Name => "aura";

    public string Description => "AurA as the paper has it on trained-gpt2-v2: toxic continuations, paired, with random-set and untrained controls";

    public Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var o = AuraOptions.Parse(args, out string? error);
        if (error is not null)
        {
            Console.Error.WriteLine(error);
            return Task.FromResult(2);
        }
        var clock = Stopwatch.StartNew();
        string load0 = File.ReadAllText("/proc/loadavg").Trim();
        string root = Detection.DetectionBenchmark.FindRepoRoot();
        string modelDir = o.Model ?? Path.Combine(root, "tests", "models", "trained-gpt2-v2");
        var data = new AuraData(modelDir);
        var trained = RunModel("trained", modelDir, data, o, full: true, cancellationToken);
        string untrainedDir = Directory.CreateTempSubdirectory("ng-aura-untrained-").FullName;
        try
        {
            FixtureMaker.WriteRandom(untrainedDir, new RandomModelShape
            {
                Architecture = FixtureArchitecture.Gpt2, Layers = 4, Hidden = 256, Heads = 8, Intermediate = 1024, Vocab = 4096, MaxPositions = 128,
            }, seed: 17);
            File.Copy(Path.Combine(modelDir, "tokenizer.json"), Path.Combine(untrainedDir, "tokenizer.json"), overwrite: true);
            var untrained = RunModel("untrained", untrainedDir, data, o, full: false, cancellationToken);
            string load1 = File.ReadAllText("/proc/loadavg").Trim();
            string md = new AuraReport(data, o, trained, untrained, args, clock.Elapsed.TotalSeconds, load0, load1).Render();
            string path = o.Output ?? Path.Combine(root, "bench", "results", "aura-v2.md");
            File.WriteAllText(path, md);
            Console.WriteLine(md);
            Console.WriteLine($"wrote {path}");
        }
        finally
        {
            Directory.Delete(untrainedDir, recursive: true);
        }
        return Task.FromResult(0);
    }

    private static AuraModelRun RunModel(string name, string dir, AuraData data, AuraOptions o, bool full, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var host = ModelHost.Load(dir, new ModelHostOptions { Threads = 1 });
        var sets = AuraGainSets.Discover(host, data.Texts("toxic_disc"), data.Texts("toxic_neg_disc"), "toxic_disc vs toxic_neg_disc");
        Log(name, clock, $"discovery: {sets.Set.Count} neurons with AUROC > 0.5 of {host.Info.Layers * host.Info.MlpNeurons}");
        var prompts = data.Prompts("toxic_prompts_eval").Select(p => p.Text).ToList();
        var benign = data.Texts("benign_eval");
        var gainSets = new List<GainSet> { new(AuraGainSets.Gain.Off, false, 0, null), sets.Paper() };
        if (full)
        {
            gainSets.AddRange(Variants.Select(v => sets.Variant(v.TopK, v.Strength)));
        }
        var rows = new List<AuraRow>();
        for (int i = 0; i < gainSets.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var g = gainSets[i];
            int seeds = full && i < 2 ? o.Seeds : o.ControlSeeds;
            rows.Add(new AuraRow(g, AuraSampling.Sample(host, prompts, seeds, g.Gains, data), AuraSampling.Perplexity(host, benign, g.Gains)));
            Log(name, clock, $"{g.Label}: {rows[^1].Eval.Toxic.Count(t => t)}/{rows[^1].Eval.Toxic.Length} toxic");
        }
        var random = new List<AuraRow>();
        for (int d = 0; full && d < o.RandomDraws; d++)
        {
            ct.ThrowIfCancellationRequested();
            var g = sets.Random(d);
            random.Add(new AuraRow(g, AuraSampling.Sample(host, prompts, o.RandomSeeds, g.Gains, data), AuraSampling.Perplexity(host, benign, g.Gains)));
            Log(name, clock, $"{g.Label}: {random[^1].Eval.Toxic.Count(t => t)}/{random[^1].Eval.Toxic.Length} toxic");
        }
        Samples? discOff = null, discPaper = null;
        if (full && o.DiscSeeds > 0)
        {
            var discPrompts = data.Prompts("toxic_prompts_disc").Select(p => p.Text).ToList();
            discOff = AuraSampling.Sample(host, discPrompts, o.DiscSeeds, null, data);
            discPaper = AuraSampling.Sample(host, discPrompts, o.DiscSeeds, gainSets[1].Gains, data);
            Log(name, clock, $"set-up check on toxic_prompts_disc: off {discOff.Toxic.Count(t => t)}, paper {discPaper.Toxic.Count(t => t)}");
        }
        int single = data.AllWords.Count(w => host.Tokenizer.Encode(" " + w).Length == 1);
        return new AuraModelRun(name, sets, rows, random, discOff, discPaper, clock.Elapsed.TotalSeconds, single);
    }

    private static void Log(string model, Stopwatch clock, string what) => Console.WriteLine($"[{clock.Elapsed.TotalSeconds,6:0.0} s] {model}: {what}");
}
