using System.Diagnostics;
using System.Runtime.Intrinsics;
using NeuronGuard.Inference.Kernels;
using NeuronGuard.Inference.Models;

namespace NeuronGuard.Bench.Inference;

/// <summary>
/// GFLOP/s of the managed matmul (x (m, k) · W (k, n), GPT-2's c_fc layout) at a thread count, and this
/// machine's FMA peak measured by a register-only loop, so each kernel can be stated as a fraction of it.
/// </summary>
internal static unsafe class GemmThroughput
{
    /// <summary>Best of <paramref name="repeats"/> timed calls after one warm-up; <paramref name="path"/> null is the GEMV loops.</summary>
    public static double Measure(GemmPath? path, int threads, int m, int k, int n, int repeats = 5)
    {
        var x = Fill(new PinnedBuffer((long)m * k));
        var w = Fill(new PinnedBuffer((long)k * n));
        var bias = Fill(new PinnedBuffer(n));
        var y = new PinnedBuffer((long)m * n);
        using var backend = new CpuBackend(threads) { GemmPath = path };
        var weight = new Weight(w.Ptr, k, n);
        backend.MatMul(x.Ptr, m, weight, WeightLayout.InOut, new Weight(bias.Ptr, 1, n), y.Ptr);
        double best = 0;
        // Enough calls per sample (~0.2 s) that one descheduling by a neighbour's build does not decide it.
        int calls = Math.Max(1, (int)(2e10 / (2.0 * m * k * n * Math.Max(1, 12 / threads))));
        for (int r = 0; r < repeats; r++)
        {
            var sw = Stopwatch.StartNew();
            for (int c = 0; c < calls; c++)
            {
                backend.MatMul(x.Ptr, m, weight, WeightLayout.InOut, new Weight(bias.Ptr, 1, n), y.Ptr);
            }
            best = Math.Max(best, 2.0 * m * k * n * calls / sw.Elapsed.TotalSeconds / 1e9);
        }
        return best;
    }

    /// <summary>GFLOP/s of 16 independent FMA chains per thread, all threads at once; the max of the 512- and 256-bit forms.</summary>
    public static double FmaPeak(int threads, int repeats = 5)
    {
        double best = 0;
        for (int r = 0; r < repeats; r++)
        {
            best = Math.Max(best, Run(threads, Vector512.IsHardwareAccelerated));
            best = Math.Max(best, Run(threads, false));
        }
        return best;
    }

    private static double Run(int threads, bool wide)
    {
        const long iters = 20_000_000;
        using var start = new Barrier(threads + 1);
        var sink = new float[threads];
        var workers = Enumerable.Range(0, threads).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            sink[i] = wide ? Chains512(iters) : Chains256(iters);
        })).ToArray();
        foreach (var t in workers)
        {
            t.Start();
        }
        start.SignalAndWait();
        var sw = Stopwatch.StartNew();
        foreach (var t in workers)
        {
            t.Join();
        }
        double lanes = wide ? 16 : 8;
        return threads * iters * 16 * lanes * 2 / sw.Elapsed.TotalSeconds / 1e9;
    }

    private static float Chains512(long iters)
    {
        var m = Vector512.Create(0.999999f);
        var d = Vector512.Create(1e-7f);
        Vector512<float> a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m, a12 = m, a13 = m, a14 = m, a15 = m;
        for (long i = 0; i < iters; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, d); a1 = Vector512.FusedMultiplyAdd(a1, m, d); a2 = Vector512.FusedMultiplyAdd(a2, m, d); a3 = Vector512.FusedMultiplyAdd(a3, m, d);
            a4 = Vector512.FusedMultiplyAdd(a4, m, d); a5 = Vector512.FusedMultiplyAdd(a5, m, d); a6 = Vector512.FusedMultiplyAdd(a6, m, d); a7 = Vector512.FusedMultiplyAdd(a7, m, d);
            a8 = Vector512.FusedMultiplyAdd(a8, m, d); a9 = Vector512.FusedMultiplyAdd(a9, m, d); a10 = Vector512.FusedMultiplyAdd(a10, m, d); a11 = Vector512.FusedMultiplyAdd(a11, m, d);
            a12 = Vector512.FusedMultiplyAdd(a12, m, d); a13 = Vector512.FusedMultiplyAdd(a13, m, d); a14 = Vector512.FusedMultiplyAdd(a14, m, d); a15 = Vector512.FusedMultiplyAdd(a15, m, d);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + a12 + a13 + a14 + a15);
    }

    private static float Chains256(long iters)
    {
        var m = Vector256.Create(0.999999f);
        var d = Vector256.Create(1e-7f);
        Vector256<float> a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m, a12 = m, a13 = m, a14 = m, a15 = m;
        for (long i = 0; i < iters; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, d); a1 = Vector256.FusedMultiplyAdd(a1, m, d); a2 = Vector256.FusedMultiplyAdd(a2, m, d); a3 = Vector256.FusedMultiplyAdd(a3, m, d);
            a4 = Vector256.FusedMultiplyAdd(a4, m, d); a5 = Vector256.FusedMultiplyAdd(a5, m, d); a6 = Vector256.FusedMultiplyAdd(a6, m, d); a7 = Vector256.FusedMultiplyAdd(a7, m, d);
            a8 = Vector256.FusedMultiplyAdd(a8, m, d); a9 = Vector256.FusedMultiplyAdd(a9, m, d); a10 = Vector256.FusedMultiplyAdd(a10, m, d); a11 = Vector256.FusedMultiplyAdd(a11, m, d);
            a12 = Vector256.FusedMultiplyAdd(a12, m, d); a13 = Vector256.FusedMultiplyAdd(a13, m, d); a14 = Vector256.FusedMultiplyAdd(a14, m, d); a15 = Vector256.FusedMultiplyAdd(a15, m, d);
        }
        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + a12 + a13 + a14 + a15);
    }

    private static PinnedBuffer Fill(PinnedBuffer b)
    {
        var r = new Random(1);
        for (int i = 0; i < b.Length; i++)
        {
            b.Span[i] = (float)(r.NextDouble() - 0.5);
        }
        return b;
    }
}
