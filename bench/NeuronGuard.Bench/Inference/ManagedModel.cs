using System.Diagnostics;
using System.Numerics.Tensors;
using NeuronGuard.Inference;

namespace NeuronGuard.Bench.Inference;

/// <summary>
/// Prefill (packed GEMM and the GEMV loops it replaced) and decode (plain, 1% captured, 1% attenuated) of
/// the managed host on one model folder; best values accumulate into a <see cref="ModelRow"/>.
/// </summary>
internal static class ManagedModel
{
    public static void Measure(string dir, int threads, int[] prefill, int decode, int decodeRounds, ModelRow row)
    {
        int context = Math.Max(prefill.Max(), InferenceBenchmark.PromptTokens + decode) + 1;
        using var host = ModelHost.Load(dir, new ModelHostOptions { Threads = threads, MaxContextTokens = context });
        using var s = host.CreateSession();
        int[] ids = [.. Enumerable.Range(0, prefill.Max()).Select(i => (i * 37 + 11) % 256)];
        var gemm = host.GemmPath;
        foreach (var path in new[] { gemm, null })
        {
            host.GemmPath = path;
            s.Reset();
            s.Prefill(ids.AsSpan(0, 32)); // warm-up (JIT, page cache, scratch buffers)
            foreach (int n in prefill)
            {
                for (int r = 0; r < InferenceBenchmark.Repeats; r++)
                {
                    s.Reset();
                    var sw = Stopwatch.StartNew();
                    s.Prefill(ids.AsSpan(0, n));
                    row.Prefill(path is null ? "before" : "managed", n, n / sw.Elapsed.TotalSeconds);
                }
            }
            if (gemm is null)
            {
                break; // no SIMD GEMM on this CPU: "managed" already is the GEMV loops
            }
        }
        host.GemmPath = gemm;

        // 1% of all MLP neurons, spread over layers, captured every step.
        var rng = new Random(1);
        int total = host.Info.Layers * host.Info.MlpNeurons;
        var slots = Enumerable.Range(0, total).OrderBy(_ => rng.Next()).Take(total / 100)
            .Select(i => new NeuronId(i / host.Info.MlpNeurons, i % host.Info.MlpNeurons)).ToList();
        double sink = 0;
        var capture = new NeuronCapture(new NeuronSelection(slots), (_, _, v) => sink += v[0]);
        var gains = new NeuronGainsHook(new NeuronGains(slots.Select(n => (n, 0.3f))));
        row.Slots = slots.Count;
        // Interleaved rounds, best of each: the cores are shared, so drift hits the three variants alike.
        for (int round = 0; round < decodeRounds; round++)
        {
            row.Decode("plain", Decode(s, ids, decode));
            using (s.Register(capture))
            {
                row.Decode("capture", Decode(s, ids, decode));
            }
            using (s.Register(gains))
            {
                row.Decode("gains", Decode(s, ids, decode));
            }
        }
        GC.KeepAlive(sink);
    }

    /// <summary>Tokens/s of one greedy decode run of <paramref name="n"/> tokens after a 16-token prompt.</summary>
    private static double Decode(InferenceSession s, int[] ids, int n)
    {
        s.Reset();
        int tok = TensorPrimitives.IndexOfMax(s.Prefill(ids.AsSpan(0, InferenceBenchmark.PromptTokens)));
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < n; i++)
        {
            tok = TensorPrimitives.IndexOfMax(s.Step(tok));
        }
        return n / sw.Elapsed.TotalSeconds;
    }
}
