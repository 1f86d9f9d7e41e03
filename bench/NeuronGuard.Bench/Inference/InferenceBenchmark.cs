using System.Diagnostics;
using NeuronGuard.Inference;
using NeuronGuard.Inference.Kernels;

namespace NeuronGuard.Bench.Inference;

/// <summary>
/// The managed CPU engine against PyTorch + an optimised BLAS, same weights, same threads, interleaved in
/// one run: GEMM GFLOP/s at 1 and N threads with this machine's FMA peak, prefill (packed GEMM, and the
/// GEMV loops it replaced) and decode with 1% of neurons captured or attenuated. Writes bench/results/inference.md.
/// Options: --threads N (default: processor count), --models gpt2,llama, --decode N, --prefill 128,512, --rounds R,
/// --offline 0 skips discover/calibrate throughput, --output PATH (relative to the repo) writes elsewhere.
/// </summary>
internal sealed class InferenceBenchmark : IBenchmark
{
    internal const int PromptTokens = 16;
    internal const int Repeats = 3;
    private const int DecodeRounds = 3;
    internal static readonly string[] GemmShapes = ["64x768x3072", "512x768x3072"];

    public string Name => "inference";

    public string Description => "built-in model host: GEMM, prefill and decode vs PyTorch+OpenBLAS, capture and gain overhead";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        int threads = Arg(args, "--threads", Environment.ProcessorCount);
        int decode = Arg(args, "--decode", 64);
        int rounds = Arg(args, "--rounds", 2);
        int[] prefill = [.. (Value(args, "--prefill") ?? "128,512").Split(',').Select(int.Parse)];
        string models = Value(args, "--models") ?? "gpt2,llama";
        string root = FindRepoRoot();
        var torch = new TorchRunner(root);
        BlasInfo blas;
        try
        {
            blas = await torch.BlasAsync(cancellationToken);
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine(e.Message);
            return 3;
        }
        Console.WriteLine($"torch {blas.Torch}, {blas.BuildInfo}; libblas.so.3 -> {blas.LibBlas}; loaded: {string.Join(", ", blas.Loaded)}");
        Console.WriteLine($"managed GEMM path: {Gemm.Best?.ToString() ?? "none (GEMV loops)"}");

        var report = new InferenceReport(blas, threads, prefill, decode, rounds, args);
        int[] threadCounts = threads > 1 ? [1, threads] : [1];
        foreach (int t in threadCounts)
        {
            report.Peak[t] = GemmThroughput.FmaPeak(t);
            Console.WriteLine($"FMA peak, {t} thread(s): {report.Peak[t]:F1} GFLOP/s");
        }
        // Managed and torch alternate per round and keep their best, so a burst of load from the other
        // builds on this machine hits both sides rather than deciding the ratio.
        for (int round = 0; round < rounds; round++)
        {
            foreach (int t in threadCounts)
            {
                foreach (var shape in GemmShapes)
                {
                    var (m, k, n) = Dims(shape);
                    report.Gemm(shape, t, "managed GEMM", GemmThroughput.Measure(Gemm.Best, t, m, k, n));
                    report.Gemm(shape, t, "managed GEMV loops (before)", GemmThroughput.Measure(null, t, m, k, n));
                }
                foreach (var (shape, g) in await torch.GemmAsync(GemmShapes, t, cancellationToken))
                {
                    report.Gemm(shape, t, "torch.addmm", g);
                }
            }
        }
        Console.WriteLine(report.GemmTable());

        string cache = Path.Combine(Path.GetTempPath(), "neuronguard-bench-models");
        foreach (var name in models.Split(','))
        {
            var shape = name == "gpt2" ? RandomModelShape.Gpt2Small : RandomModelShape.Llama100M;
            string dir = Path.Combine(cache, name);
            if (!File.Exists(Path.Combine(dir, "config.json")))
            {
                Console.WriteLine($"writing random {name} model to {dir} …");
                FixtureMaker.WriteRandom(dir, shape, seed: 1);
            }
            var row = report.Model(name, shape);
            for (int round = 0; round < rounds; round++)
            {
                Console.WriteLine($"{name}, round {round + 1}: managed host …");
                ManagedModel.Measure(dir, threads, prefill, decode, DecodeRounds, row);
                Console.WriteLine($"{name}, round {round + 1}: PyTorch …");
                row.Add(await torch.ModelAsync(dir, threads, prefill, PromptTokens, decode, Repeats, cancellationToken));
                Console.WriteLine(row);
            }
        }
        if (Arg(args, "--offline", 1) == 1)
        {
            report.Offline.AddRange(OfflineThroughput.Run(cache, threads, rounds: 1));
        }
        string text = report.Render();
        string path = Path.Combine(root, Value(args, "--output") ?? Path.Combine("bench", "results", "inference.md"));
        File.WriteAllText(path, text);
        Console.WriteLine(text);
        Console.WriteLine($"wrote {path}");
        return 0;
    }

    internal static (int M, int K, int N) Dims(string shape)
    {
        var p = shape.Split('x').Select(int.Parse).ToArray();
        return (p[0], p[1], p[2]);
    }

    private static int Arg(string[] args, string name, int fallback) => Value(args, name) is { } v ? int.Parse(v) : fallback;

    private static string? Value(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static string FindRepoRoot()
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
