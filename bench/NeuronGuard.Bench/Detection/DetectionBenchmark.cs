using System.Diagnostics;
using NeuronGuard.Inference;
using NeuronGuard.Offline.Evaluation;
using NeuronGuard.Offline.Prompts;

namespace NeuronGuard.Bench.Detection;

/// <summary>
/// Issue 4's fixture table: planted fixture → discover → calibrate → score held-out prompts with the engine's
/// RequestScorer; plus two references measured in the same run: exact (store-everything) AUROC against the
/// streaming histogram estimate, and a naive allocating scorer against the RequestScorer hot path.
/// Writes bench/results/detection.md. Options: --seed N (prompt generator), --fixture-seed N,
/// --write-prompts DIR (also write the generated prompt splits as JSON Lines).
/// </summary>
internal sealed class DetectionBenchmark : IBenchmark
{
    public string Name => "detection";

    public string Description => "planted fixture: discovery ranks, detector AUROC/FPR at calibrated thresholds, integrity alarm, scorer cost";

    public Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        int seed = Arg(args, "--seed", FixturePrompts.DefaultSeed);
        int fixtureSeed = Arg(args, "--fixture-seed", FixtureMaker.DefaultSeed);
        string dir = Path.Combine(Path.GetTempPath(), $"neuronguard-detection-fixture-{fixtureSeed}");
        var truth = FixtureMaker.WritePlanted(dir, fixtureSeed);
        var counts = new PromptCounts();
        if (args.SkipWhile(a => a != "--write-prompts").Skip(1).FirstOrDefault() is { } promptDir)
        {
            FixturePrompts.Generate(truth, counts, seed).Write(promptDir);
            Console.WriteLine($"wrote prompt splits to {promptDir}");
        }
        var clock = Stopwatch.StartNew();
        var report = DetectionEvaluation.Run(dir, counts, seed, threads: 1, log: Console.Out);
        double total = clock.Elapsed.TotalSeconds;
        Console.WriteLine("reference: exact AUROC over stored maxima …");
        var accuracy = DiscoveryAccuracy.Measure(dir, truth, counts, seed);
        Console.WriteLine("reference: naive scorer …");
        var cost = ScorerCost.Measure();
        string markdown = DetectionMarkdown.Render(report, accuracy, cost, total, fixtureSeed, args);
        string path = Path.Combine(FindRepoRoot(), "bench", "results", "detection.md");
        File.WriteAllText(path, markdown);
        Console.WriteLine(markdown);
        Console.WriteLine($"wrote {path}");
        return Task.FromResult(DetectionMarkdown.MeetsGoals(report) ? 0 : 1);
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out int v) ? v : fallback;
    }

    internal static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "NeuronGuard.sln")))
            {
                return d.FullName;
            }
        }
        return Directory.GetCurrentDirectory();
    }
}
