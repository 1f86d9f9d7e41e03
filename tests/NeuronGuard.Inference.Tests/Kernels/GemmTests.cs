using NeuronGuard.Inference.Kernels;
using NeuronGuard.Inference.Models;

namespace NeuronGuard.Inference.Tests.Kernels;

/// <summary>
/// The packed GEMM against the scalar triple loop, on shapes whose M, N and K are not multiples of the
/// register tile or the cache blocks, for each SIMD path this CPU runs (rows for a path the CPU lacks are reported as skipped with the reason:
/// see <see cref="GemmPathDataAttribute"/>).
/// </summary>
public sealed unsafe class GemmTests(ITestOutputHelper output)
{
    public static TheoryData<int, int, int, int, bool> Shapes()
    {
        var data = new TheoryData<int, int, int, int, bool>();
        (int M, int N, int K)[] shapes = [(1, 1, 1), (7, 33, 5), (8, 32, 256), (9, 31, 257), (17, 100, 64), (97, 530, 300), (130, 47, 600)];
        foreach (int bits in new[] { 512, 256 })
        {
            foreach (var (m, n, k) in shapes)
            {
                data.Add(bits, m, n, k, false);
                data.Add(bits, m, n, k, true);
            }
        }
        return data;
    }

    [Theory]
    [GemmPathData(typeof(GemmTests), nameof(Shapes), 512)]
    [GemmPathData(typeof(GemmTests), nameof(Shapes), 256)]
    public void Multiply_RaggedShapes_MatchesScalar(int bits, int m, int n, int k, bool bTransposed)
    {
        var path = PathOf(bits);
        // Row strides wider than the rows, as attention's per-head views of Q, K and V have.
        int lda = k + 3, ldb = (bTransposed ? k : n) + 5, ldc = n + 2;
        var a = Filled(m * lda, 1);
        var b = Filled((bTransposed ? n : k) * ldb, 2);
        var expected = Filled(m * ldc, 3);
        var actual = Filled(m * ldc, 3); // C starts non-zero: the kernel must add, not overwrite
        var scratch = new PinnedBuffer(Gemm.ScratchFloats);
        ScalarKernels.Gemm(m, n, k, a.Ptr, lda, b.Ptr, ldb, bTransposed, expected.Ptr, ldc);
        // Two column ranges, split at a multiple of Gemm.Nr as the worker pool splits them.
        int split = Math.Min(n, Gemm.Nr * 3);
        Gemm.Multiply(path, m, k, a.Ptr, lda, b.Ptr, ldb, bTransposed, actual.Ptr, ldc, 0, split, scratch.Ptr);
        Gemm.Multiply(path, m, k, a.Ptr, lda, b.Ptr, ldb, bTransposed, actual.Ptr, ldc, split, n, scratch.Ptr);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < ldc; j++)
            {
                float e = expected.Span[i * ldc + j], x = actual.Span[i * ldc + j];
                Assert.True(Math.Abs(e - x) <= 1e-5f * (1 + Math.Abs(e)) * Math.Sqrt(k), $"C[{i},{j}]: {e} vs {x} ({path}, {m}x{n}x{k})");
            }
        }
    }

    [Theory]
    [GemmPathData(512, true, 16, 1)]
    [GemmPathData(512, false, 45, 2)]
    [GemmPathData(512, true, 130, 2)]
    [GemmPathData(256, false, 16, 1)]
    [GemmPathData(256, true, 45, 2)]
    [GemmPathData(256, false, 130, 2)]
    public void MatMul_PrefillSizes_MatchesScalar(int bits, bool outIn, int tokens, int threads)
    {
        var path = PathOf(bits);
        var layout = outIn ? WeightLayout.OutIn : WeightLayout.InOut;
        const int inDim = 75, outDim = 1100;
        var w = Filled(inDim * outDim, 7);
        var bias = Filled(outDim, 8);
        var x = Filled(tokens * inDim, 9);
        var y = new PinnedBuffer(tokens * outDim);
        var weight = outIn ? new Weight(w.Ptr, outDim, inDim) : new Weight(w.Ptr, inDim, outDim);
        using var backend = new CpuBackend(threads) { GemmPath = path };
        backend.MatMul(x.Ptr, tokens, weight, layout, new Weight(bias.Ptr, 1, outDim), y.Ptr);
        var expected = new float[tokens * outDim];
        ScalarKernels.MatMul(x.Span[..(tokens * inDim)], tokens, weight, layout, new Weight(bias.Ptr, 1, outDim), expected);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - y.Span[i]) <= 1e-5f * (1 + Math.Abs(expected[i])), $"y[{i}]: {expected[i]} vs {y.Span[i]}");
        }
    }

    [Fact]
    public void Best_IsWidestSupportedPath()
    {
        var best = Gemm.Best;
        output.WriteLine($"Gemm.Best = {best?.ToString() ?? "none (GEMV fallback)"}; Vector512 {Gemm.IsSupported(GemmPath.Vector512)}, Vector256 {Gemm.IsSupported(GemmPath.Vector256)}");
        if (Gemm.IsSupported(GemmPath.Vector512))
        {
            Assert.Equal(GemmPath.Vector512, best);
        }
        else if (best is not null)
        {
            Assert.Equal(GemmPath.Vector256, best);
        }
    }

    /// <summary>Test data names paths by vector width: GemmPath is internal and xunit theories are public.</summary>
    internal static GemmPath PathOf(int bits) => bits == 512 ? GemmPath.Vector512 : GemmPath.Vector256;

    private static PinnedBuffer Filled(int n, int seed)
    {
        var r = new Random(seed);
        var buf = new PinnedBuffer(n);
        for (int i = 0; i < n; i++)
        {
            buf.Span[i] = (float)(r.NextDouble() * 2 - 1);
        }
        return buf;
    }
}
