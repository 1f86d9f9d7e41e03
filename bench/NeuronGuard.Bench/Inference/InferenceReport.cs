using System.Text;
using NeuronGuard.Inference;

namespace NeuronGuard.Bench.Inference;

/// <summary>Best-of values collected over the interleaved rounds, rendered as bench/results/inference.md.</summary>
internal sealed class InferenceReport(BlasInfo blas, int threads, int[] prefill, int decode, int rounds, string[] args)
{
    private readonly Dictionary<(string Shape, int Threads, string Engine), double> _gemm = [];
    private readonly List<ModelRow> _models = [];
    private readonly string _loadAtStart = Load();

    public Dictionary<int, double> Peak { get; } = [];

    public List<OfflineThroughput.Result> Offline { get; } = [];

    public void Gemm(string shape, int t, string engine, double gflops) =>
        _gemm[(shape, t, engine)] = Math.Max(gflops, _gemm.GetValueOrDefault((shape, t, engine)));

    public ModelRow Model(string name, RandomModelShape shape)
    {
        var row = new ModelRow(name, shape);
        _models.Add(row);
        return row;
    }

    public string GemmTable()
    {
        var sb = new StringBuilder();
        sb.AppendLine("| x · W (M×K · K×N) | threads | managed GEMM | GEMV loops (before) | torch.addmm (OpenBLAS) | GEMM / torch | GEMM, % of FMA peak | torch, % of FMA peak |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var ((shape, t), g) in _gemm.Where(e => e.Key.Engine == "managed GEMM").Select(e => ((e.Key.Shape, e.Key.Threads), e.Value)))
        {
            double before = _gemm.GetValueOrDefault((shape, t, "managed GEMV loops (before)"));
            double torch = _gemm.GetValueOrDefault((shape, t, "torch.addmm"));
            double peak = Peak.GetValueOrDefault(t, double.NaN);
            sb.AppendLine($"| {shape.Replace("x", "×", StringComparison.Ordinal)} | {t} | {g:F1} | {before:F1} | {torch:F1} | {g / torch:F2}x | {g / peak:P0} | {torch / peak:P0} |");
        }
        return sb.ToString();
    }

    public string Render()
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Inference benchmark: managed CPU engine vs PyTorch + OpenBLAS");
        sb.AppendLine();
        sb.AppendLine($"- Machine: {Cpu()}, {Environment.ProcessorCount} cores (KVM); .NET {Environment.Version}; PyTorch {blas.Torch} (Debian python3-torch, `{blas.BuildInfo}`).");
        sb.AppendLine($"- BLAS: `libblas.so.3` → `{blas.LibBlas}` (update-alternatives: `{blas.Alternative}`); the torch process mapped {string.Join(", ", blas.Loaded.Select(l => $"`{Path.GetFileName(l)}`"))}. torch_bench.py refuses to run when torch would use the reference BLAS.");
        sb.AppendLine($"- Command: `dotnet run --project bench/NeuronGuard.Bench -c Release -- inference {string.Join(' ', args)}`");
        sb.AppendLine($"- Threads: {threads} for both engines unless a row says otherwise (`ModelHostOptions.Threads`, `torch.set_num_threads`). Random F32 weights from `FixtureMaker.WriteRandom`; both engines read the same safetensors.");
        sb.AppendLine($"- Managed GEMM path: `{NeuronGuard.Inference.Kernels.Gemm.Best?.ToString() ?? "none"}` (`Kernels/Gemm.cs`). Measured FMA peak (16 independent FMA chains per thread, registers only): {string.Join(", ", Peak.Select(p => $"{p.Value:F1} GFLOP/s on {p.Key} thread(s)"))}.");
        sb.AppendLine($"- **Shared machine**: about eight engineers' builds and tests ran on these 2 cores during the run (load average {_loadAtStart} at the start, {Load()} at the end). Absolute numbers are depressed and noisy; every ratio compares values measured in the same run, managed and PyTorch alternating over {rounds} rounds, best of each kept.");
        sb.AppendLine();
        sb.AppendLine("## GEMM");
        sb.AppendLine();
        sb.AppendLine("x (M, K) · W (K, N) + b, W in GPT-2's c_fc layout, GFLOP/s best of 5 samples of ~0.2 s each per round.");
        sb.AppendLine();
        sb.Append(GemmTable());
        sb.AppendLine();
        sb.AppendLine("## Prefill");
        sb.AppendLine();
        sb.AppendLine($"One forward pass over the prompt, logits of the last token only on both sides (what a prefill before generation, discover and calibrate need); tok/s best of {InferenceBenchmark.Repeats} per round. Model GFLOP/s counts the matmuls, causal attention (QKᵀ and PV) and the head.");
        sb.AppendLine();
        sb.AppendLine("| model | tokens | managed (GEMM) | before (GEMV loops) | PyTorch + OpenBLAS | managed / PyTorch | before / PyTorch | managed GFLOP/s | % of FMA peak |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        double peak = Peak.GetValueOrDefault(threads, double.NaN);
        foreach (var r in _models)
        {
            foreach (int n in prefill)
            {
                double m = r.ManagedPrefill.GetValueOrDefault(n), b = r.BeforePrefill.GetValueOrDefault(n), t = r.TorchPrefill.GetValueOrDefault(n);
                double gflops = r.PrefillFlops(n) * m / n / 1e9;
                sb.AppendLine($"| {r.Name} ({r.Params / 1e6:F1}M) | {n} | {m:F1} | {b:F1} | {t:F1} | **{m / t:F2}x** | {b / t:F2}x | {gflops:F1} | {gflops / peak:P0} |");
            }
        }
        sb.AppendLine();
        sb.AppendLine("## Decode");
        sb.AppendLine();
        sb.AppendLine($"{decode} greedy steps with the KV cache after a {InferenceBenchmark.PromptTokens}-token prompt (GEMV: one token per step, unchanged by the GEMM); managed variants in interleaved rounds, best of each.");
        sb.AppendLine();
        sb.AppendLine("| model | managed tok/s | capture 1% | gains on 1% | PyTorch + OpenBLAS | managed / PyTorch |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in _models)
        {
            double d = r.DecodeBest("plain");
            sb.AppendLine($"| {r.Name} | {d:F2} | {r.DecodeBest("capture"):F2} ({Delta(r.DecodeBest("capture"), d)}) | {r.DecodeBest("gains"):F2} ({Delta(r.DecodeBest("gains"), d)}) | {r.TorchDecode:F2} | **{d / r.TorchDecode:F2}x** |");
        }
        sb.AppendLine();
        if (Offline.Count > 0)
        {
            sb.AppendLine("## Discover and calibrate");
            sb.AppendLine();
            sb.AppendLine($"Prompts/s through `Discoverer.Run` (toxic vs benign discovery split, one prefill per text) and `Calibrator.Run` (benign calibration split, prefill + 4 decode steps per text), {threads} threads, before (GEMV loops) and after (packed GEMM) alternating on one host. Texts are the fixture's seeded prompts (5–10 words); the GPT-2-sized model's byte-level tokenizer makes them longer.");
            sb.AppendLine();
            sb.AppendLine("| model | tokens per text | discover texts | before | after | speed-up | calibrate texts | before | after | speed-up |");
            sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var o in Offline)
            {
                sb.AppendLine($"| {o.Model} | {o.MeanTokens:F1} | {o.DiscoverPrompts} | {o.DiscoverBefore:F1} | {o.DiscoverAfter:F1} | {o.DiscoverAfter / o.DiscoverBefore:F2}x | {o.CalibratePrompts} | {o.CalibrateBefore:F1} | {o.CalibrateAfter:F1} | {o.CalibrateAfter / o.CalibrateBefore:F2}x |");
            }
            sb.AppendLine();
        }
        sb.AppendLine("## Goals");
        sb.AppendLine();
        foreach (var r in _models)
        {
            foreach (int n in prefill)
            {
                double ratio = r.ManagedPrefill.GetValueOrDefault(n) / r.TorchPrefill.GetValueOrDefault(n);
                sb.AppendLine($"- {r.Name}: prefill of {n} tokens {ratio:F2}x PyTorch + OpenBLAS — goal ≥ 1.0x {(ratio >= 1 ? "met" : "**missed**")}.");
            }
            double dr = r.DecodeBest("plain") / r.TorchDecode;
            double cost = 1 - r.DecodeBest("capture") / r.DecodeBest("plain");
            sb.AppendLine($"- {r.Name}: decode {dr:F2}x PyTorch + OpenBLAS — goal ≥ 1.5x {(dr >= 1.5 ? "met" : "**missed**")}; capture of {r.Slots} neurons (1%) costs {cost * 100:F1}% of decode throughput — goal < 2% {(cost < 0.02 ? "met" : "**missed** (within run-to-run noise if small)")}.");
        }
        sb.AppendLine();
        sb.AppendLine("## Notes");
        sb.AppendLine();
        foreach (var line in Notes)
        {
            sb.AppendLine(line);
        }
        return sb.ToString();
    }

    /// <summary>What the numbers above do and do not say; kept with the generator so a rerun keeps them.</summary>
    private static readonly string[] Notes =
    [
        "- **Correction of the earlier figures.** The previous version of this file reported prefill at 5.0x and decode at 2.6x",
        "  PyTorch on GPT-2 (28x / 6.4x on Llama) and blamed \"Debian's python3-torch 1.13 CPU build\" for its ~3–5 GFLOP/s. The cause",
        "  was narrower and ours to fix: Debian's torch is built with `BLAS_INFO=generic` and calls whatever `libblas.so.3` resolves",
        "  to, which was the reference BLAS (libblas3) because `libopenblas0-pthread` was not installed. Those ratios compared",
        "  against an unoptimised BLAS and are withdrawn. That run's PyTorch prefill also computed logits for all 128 tokens",
        "  while the managed prefill computes the last token's only; both sides now compute the last token's only. test.sh",
        "  now installs `libopenblas0-pthread`, and torch_bench.py refuses to run unless the torch process maps an optimised BLAS.",
        "- Kernel: `Kernels/Gemm.cs`, BLIS-style packing and blocking with an 8×32 Vector512 register tile (6×16 Vector256",
        "  fallback); the GEMV loops remain for fewer than 8 rows (decode). Prefill's QKV, output, MLP and head matmuls and",
        "  attention's QKᵀ and PV (per head, 64-query blocks) use it.",
        "- The FMA peak is measured, not quoted: a register-only loop of 16 independent FMA chains per thread, best of 5. On",
        "  this Zen 4 (EPYC) the 512-bit FMA is double-pumped, so the 512- and 256-bit peaks are the same; the loaded machine",
        "  depresses this number too, so the percentages are of what a thread actually got during the run, not of the datasheet.",
        "- PyTorch's 2-thread numbers suffer more from the shared cores than its 1-thread ones (OpenBLAS's threads wait on",
        "  each other when one is descheduled); our worker pool has the same static split. The 1-thread GEMM rows are the",
        "  cleanest kernel-to-kernel comparison.",
        "- `bench/results/inference.md` is the run at both cores; `bench/results/inference-1thread.md` is the same benchmark with",
        "  `--threads 1 --offline 0 --output bench/results/inference-1thread.md`, less exposed to one descheduled thread stalling the other.",
        "- Decode is unchanged by this work (one token per step stays on the GEMV loops, which stream each weight once).",
        "- Not measured here: the first start of `serve` (the fixture bootstrap lives in NeuronGuard.ModelServer).",
    ];

    private static string Delta(double x, double baseline) => $"{(x / baseline - 1) * 100:+0.0;-0.0}%";

    private static string Load()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string Cpu()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }
}
