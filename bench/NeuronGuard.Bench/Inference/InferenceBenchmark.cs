using System.Diagnostics;
using NeuronGuard.Inference;
using NeuronGuard.Inference.Kernels;

namespace NeuronGuard.Bench.Inference;

/// <summary>
/// The managed CPU engine against PyTorch on OpenBLAS's best kernels, same weights, same thread count, in one run:
/// the FMA peak of this machine, GEMM GFLOP/s, prefill and decode tok/s (decode also against torch with one-row
/// matmuls through torch.mv), and peak RSS. Every figure is warmed (≥ 2 s) and then timed over a fixed budget;
/// managed and torch samples alternate in interleaved pairs, and the report gives median and range per pair.
/// Options: --threads N (default 1), --pairs P (default 5), --models gpt2,llama, --prefill 32,128,512,
/// --gemm 128,512 (rows of x · W, 768×3072), --decode N (steps), --warm S, --budget S, --rss 0 skips peak RSS,
/// --offline 1 adds discover/calibrate throughput, --output PATH (relative to the repo).
/// </summary>
internal sealed class InferenceBenchmark : IBenchmark
{
    internal const int PromptTokens = 16;

    public string Name => "inference";

    public string Description => "built-in model host: FMA peak, GEMM, prefill, decode and peak RSS vs PyTorch on its best OpenBLAS core, interleaved pairs";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        if (Value(args, "--rss-probe") is { } probe)
        {
            return RssProbe(probe, Arg(args, "--prefill", 128), Arg(args, "--decode", 16));
        }
        int threads = Arg(args, "--threads", 1);
        int pairs = Arg(args, "--pairs", 5);
        int decode = Arg(args, "--decode", 32);
        int[] prefill = Ints(Value(args, "--prefill") ?? "32,128,512");
        int[] gemmRows = Ints(Value(args, "--gemm") ?? "128,512");
        string models = Value(args, "--models") ?? "gpt2,llama";
        Timing.WarmSeconds = Dbl(args, "--warm", 2.0);
        Timing.BudgetSeconds = Dbl(args, "--budget", 1.0);
        string root = FindRepoRoot();
        string cache = Path.Combine(Path.GetTempPath(), "neuronguard-bench-models");

        TorchWorker torch;
        try
        {
            torch = await TorchWorker.StartAsync(root, threads, Timing.WarmSeconds, Timing.BudgetSeconds, cancellationToken);
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine(e.Message);
            return 3;
        }
        await using var _ = torch;
        var info = torch.Info;
        Console.WriteLine($"torch {info.Torch}; OpenBLAS core {info.CoreName} (best for this CPU: {info.BestCore}{(info.SetByBench ? ", selected by torch_bench.py via OPENBLAS_CORETYPE" : ", detected by OpenBLAS itself")}); float64 check {info.CheckError:E1}");
        var report = new InferenceReport(info, threads, pairs, decode, args);

        report.Peak = GemmThroughput.FmaPeak(threads);
        Console.WriteLine($"FMA peak, {threads} thread(s): {report.Peak.Format()} GFLOP/s");

        foreach (int m in gemmRows)
        {
            using var rig = new GemmRig(threads, m, 768, 3072);
            var s = await PairedSamples.RunAsync(pairs, rig.Sample, () => torch.GemmAsync(m, 768, 3072, cancellationToken), () => GemmThroughput.FmaPeak(threads, 1).Median);
            report.Gemm[m] = s;
            Console.WriteLine($"GEMM {m}×768×3072: managed {s.Managed.Format()} torch {s.Reference.Format()} ratio {s.Ratio.Ratio()} load {s.LoadAvg.Format()}; share of the FMA peak sampled beside each pair: managed {s.ManagedShare.Format("P0")}, torch {s.ReferenceShare.Format("P0")}");
        }

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
            using (var rig = new ModelRig(dir, threads, Math.Max(prefill.Max(), PromptTokens + decode)))
            {
                row.Slots = rig.Slots;
                foreach (int n in prefill)
                {
                    var s = await PairedSamples.RunAsync(pairs, () => rig.Prefill(n), () => torch.PrefillAsync(dir, n, cancellationToken));
                    row.Prefill[n] = s;
                    Console.WriteLine($"{name} prefill {n}: managed {s.Managed.Format()} torch {s.Reference.Format()} ratio {s.Ratio.Ratio()} load {s.LoadAvg.Format()}");
                }
                row.DecodeMv = await PairedSamples.RunAsync(pairs, () => rig.Decode(PromptTokens, decode, false), () => torch.DecodeAsync(dir, PromptTokens, decode, true, cancellationToken));
                row.DecodeAsIs = await PairedSamples.RunAsync(pairs, () => rig.Decode(PromptTokens, decode, false), () => torch.DecodeAsync(dir, PromptTokens, decode, false, cancellationToken));
                row.Capture = await PairedSamples.RunAsync(pairs, () => rig.Decode(PromptTokens, decode, true), () => Task.FromResult(rig.Decode(PromptTokens, decode, false)));
                Console.WriteLine($"{name} decode: vs torch.mv {row.DecodeMv.Ratio.Ratio()}, vs torch as-is {row.DecodeAsIs.Ratio.Ratio()}, capture/plain {row.Capture.Ratio.Ratio()}");
            }
            if (Arg(args, "--rss", 1) == 1)
            {
                row.ManagedRssKiB = await ManagedPeakRssAsync(dir, cancellationToken);
                row.TorchRssKiB = await TorchWorker.PeakRssAsync(root, dir, 128, 16, cancellationToken);
                Console.WriteLine($"{name} peak RSS: managed {row.ManagedRssKiB / 1024} MiB, torch {row.TorchRssKiB / 1024} MiB");
            }
        }
        if (Arg(args, "--offline", 0) == 1)
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

    /// <summary>Peak RSS (VmHWM) of a fresh bench process that loads the model, prefills 128 tokens and decodes 16.</summary>
    private static async Task<long> ManagedPeakRssAsync(string dir, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            psi.ArgumentList.Add(typeof(InferenceBenchmark).Assembly.Location);
        }
        foreach (var a in new[] { "inference", "--rss-probe", dir, "--prefill", "128", "--decode", "16" })
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        string stdout = await p.StandardOutput.ReadToEndAsync(ct);
        string stderr = await p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"rss probe failed ({p.ExitCode}): {stderr.Trim()}");
        }
        return long.Parse(stdout.Trim().Split('\n')[^1]);
    }

    private static int RssProbe(string dir, int prefill, int decode)
    {
        using var host = ModelHost.Load(dir, new ModelHostOptions { Threads = 1, MaxContextTokens = prefill + decode + 1 });
        using var s = host.CreateSession();
        int tok = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(s.Prefill([.. Enumerable.Range(0, prefill).Select(i => (i * 37 + 11) % 256)]));
        for (int i = 0; i < decode; i++)
        {
            tok = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(s.Step(tok));
        }
        var hwm = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        Console.WriteLine(hwm.Split(':')[1].Trim().Split(' ')[0]);
        return 0;
    }

    private static int[] Ints(string s) => [.. s.Split(',').Select(int.Parse)];

    private static int Arg(string[] args, string name, int fallback) => Value(args, name) is { } v ? int.Parse(v) : fallback;

    private static double Dbl(string[] args, string name, double fallback) =>
        Value(args, name) is { } v ? double.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;

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
