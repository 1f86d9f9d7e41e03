using System.Diagnostics;
using System.Text.Json;
using NeuronGuard.Inference;

namespace NeuronGuard.Bench.Evaluation;

/// <summary>
/// Issue 26 items 2–4, 7–9: the held-out detection evaluation of tests/models/trained-gpt2-v2, every detector beside
/// its lexical baseline, random-neuron sets of the same size, the same pipeline on untrained weights of the same shape,
/// and linear probes over its catalogued neurons and over every MLP neuron. Rewrites bench/results/trained-model.md.
/// Options: --draws N (random sets per detector, default 10), --untrained-seeds A,B (default 1,2),
/// --cache DIR (keep each pipeline's scores there and reuse them: for re-rendering the report only).
/// </summary>
internal sealed class EvaluateBenchmark : IBenchmark
{
    public string Name => "evaluate";

    public string Description => "held-out detection on trained-gpt2-v2 beside lexical, random-neuron, untrained and linear-probe baselines";

    public Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        if (!EvaluateOptions.TryParse(args, out int draws, out int[] seeds, out string? cache, out string? error))
        {
            Console.Error.WriteLine(error);
            return Task.FromResult(2);
        }
        var clock = Stopwatch.StartNew();
        string loadBefore = EvaluationReport.Load();
        string root = Detection.DetectionBenchmark.FindRepoRoot();
        string modelDir = Path.Combine(root, "tests", "models", "trained-gpt2-v2");
        var data = new EvalData(modelDir);
        string work = Directory.CreateTempSubdirectory("ng-evaluate-").FullName;
        try
        {
            var trained = Cached(cache, "trained", () => new DetectionPipeline(data, work, controls: true, probes: true, draws).Run(modelDir, "trained"));
            var untrained = seeds.Select(seed => Cached(cache, $"untrained-{seed}", () =>
            {
                string dir = Path.Combine(work, $"untrained-{seed}");
                WriteUntrained(modelDir, dir, seed);
                return new DetectionPipeline(data, work, controls: false, probes: true, draws).Run(dir, $"untrained-{seed}");
            })).ToList();
            var report = new EvaluationReport(data, trained, untrained, draws);
            string md = report.Render(args, clock.Elapsed.TotalSeconds, loadBefore);
            string path = Path.Combine(root, "bench", "results", "trained-model.md");
            File.WriteAllText(path, md);
            Console.WriteLine(md);
            Console.WriteLine($"wrote {path}");
            return Task.FromResult(0);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Untrained weights of v2's shape (GPT-2, 4 × 256, 8 heads, 1,024 MLP, vocabulary 4,096, 128 positions) with v2's tokenizer.</summary>
    internal static void WriteUntrained(string modelDir, string dir, int seed)
    {
        FixtureMaker.WriteRandom(dir, new RandomModelShape
        {
            Architecture = FixtureArchitecture.Gpt2, Layers = 4, Hidden = 256, Heads = 8, Intermediate = 1024, Vocab = 4096, MaxPositions = 128,
        }, seed);
        File.Copy(Path.Combine(modelDir, "tokenizer.json"), Path.Combine(dir, "tokenizer.json"), overwrite: true);
    }

    private static PipelineResult Cached(string? cache, string name, Func<PipelineResult> run)
    {
        string? file = cache is null ? null : Path.Combine(cache, name + ".json");
        if (file is not null && File.Exists(file))
        {
            return JsonSerializer.Deserialize<PipelineCache>(File.ReadAllText(file))!.ToResult();
        }
        var result = run();
        if (file is not null)
        {
            Directory.CreateDirectory(cache!);
            File.WriteAllText(file, JsonSerializer.Serialize(PipelineCache.From(result)));
        }
        return result;
    }
}
