using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuronGuard.Bench.Inference;

/// <summary>This machine's FMA peak, measured by a register-only loop, so each kernel can be stated as a fraction of it.</summary>
internal static unsafe class GemmThroughput
{
    /// <summary>
    /// GFLOP/s of 16 independent FMA chains per thread, all threads at once, one sample per repeat; each sample
    /// is the better of the 512- and 256-bit forms (Zen 4 double-pumps 512-bit FMAs, so the two tie there).
    /// The loops are compiled fully optimised up front (no tier-0 code) and run ~0.3 s each.
    /// </summary>
    public static Stat FmaPeak(int threads, int repeats = 5)
    {
        Run(threads, Vector512.IsHardwareAccelerated); // first call: thread start-up and page faults
        var samples = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            samples.Add(Math.Max(Vector512.IsHardwareAccelerated ? Run(threads, true) : 0, Run(threads, false)));
        }
        return Stat.Of(samples);
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
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
}
