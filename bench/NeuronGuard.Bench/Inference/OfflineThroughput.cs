using System.Diagnostics;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Inference;
using NeuronGuard.Offline.IO;
using NeuronGuard.Offline.Prompts;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Bench.Inference;

/// <summary>
/// What the GEMM buys the product: <c>discover</c> (one prefill per text) and <c>calibrate</c> (prefill plus
/// 4 decode steps per text) in prompts/s through the library calls the CLI makes, with the GEMV loops
/// (before) and the packed GEMM (after) alternating on the same host.
/// </summary>
internal static class OfflineThroughput
{
    public sealed record Result(string Model, double MeanTokens, int DiscoverPrompts, int CalibratePrompts,
        double DiscoverBefore, double DiscoverAfter, double CalibrateBefore, double CalibrateAfter);

    /// <summary>The planted fixture and its seeded prompts, and the bench's GPT-2-small-sized random model fed the same texts.</summary>
    public static IEnumerable<Result> Run(string cache, int threads, int rounds)
    {
        string fixture = Path.Combine(cache, "planted");
        var truth = File.Exists(Path.Combine(fixture, FixtureTruth.FileName))
            ? System.Text.Json.JsonSerializer.Deserialize<FixtureTruth>(File.ReadAllText(Path.Combine(fixture, FixtureTruth.FileName)), FixtureTruth.Json)!
            : FixtureMaker.WritePlanted(fixture);
        var prompts = FixturePrompts.Generate(truth, new PromptCounts());
        var d = prompts.Discovery;
        yield return Measure("fixture (planted, 4 layers)", fixture, d.Toxic, d.Benign, prompts.Calibration, threads, rounds);
        // GPT-2 small's shape, byte-level tokenizer (so each text is ~50 tokens): fewer texts, same kind of work.
        yield return Measure("gpt2 124M (random weights)", Path.Combine(cache, "gpt2"), d.Toxic.Take(30).ToList(), d.Benign.Take(30).ToList(),
            prompts.Calibration.Take(40).ToList(), threads, rounds);
    }

    private static Result Measure(string name, string dir, IReadOnlyList<string> positive, IReadOnlyList<string> negative, IReadOnlyList<string> calibration,
        int threads, int rounds)
    {
        using var host = ModelHost.Load(dir, new ModelHostOptions { Threads = threads, MaxContextTokens = 256 });
        var shape = new ModelShape { Fingerprint = host.Info.Fingerprint, Layers = host.Info.Layers, NeuronsPerLayer = host.Info.MlpNeurons };
        double tokens = positive.Concat(negative).Average(t => PromptRunner.Tokens(host, t, 256).Length);
        var gemm = host.GemmPath;
        double discoverBefore = 0, discoverAfter = 0, calibrateBefore = 0, calibrateAfter = 0;
        for (int round = 0; round < rounds; round++)
        {
            foreach (var path in new[] { null, gemm })
            {
                host.GemmPath = path;
                var sw = Stopwatch.StartNew();
                var found = Discoverer.Run(host, positive, negative, NeuronSetKind.Toxicity, new DiscoverOptions());
                double discover = (positive.Count + negative.Count) / sw.Elapsed.TotalSeconds;
                var catalog = ModelFiles.MergeSet(Path.Combine(dir, "no-such-catalog.json"), shape, found.Set, "bench");
                sw.Restart();
                Calibrator.Run(host, catalog, calibration, new CalibrateOptions());
                double calibrate = calibration.Count / sw.Elapsed.TotalSeconds;
                if (path is null)
                {
                    (discoverBefore, calibrateBefore) = (Math.Max(discoverBefore, discover), Math.Max(calibrateBefore, calibrate));
                }
                else
                {
                    (discoverAfter, calibrateAfter) = (Math.Max(discoverAfter, discover), Math.Max(calibrateAfter, calibrate));
                }
                Console.WriteLine($"{name}, {(path is null ? "GEMV loops" : "GEMM")}: discover {discover:F1} prompts/s, calibrate {calibrate:F1} prompts/s");
            }
        }
        host.GemmPath = gemm;
        return new Result(name, tokens, positive.Count + negative.Count, calibration.Count, discoverBefore, discoverAfter, calibrateBefore, calibrateAfter);
    }
}
