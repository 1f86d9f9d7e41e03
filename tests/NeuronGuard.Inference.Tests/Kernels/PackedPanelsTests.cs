using NeuronGuard.Inference.Kernels;
using NeuronGuard.Inference.Models;

namespace NeuronGuard.Inference.Tests.Kernels;

/// <summary>
/// Weights packed once into GEMM panels (what the models do at load) against the scalar matmul: one token
/// (decode's GEMV over the panels), a few tokens (the GEMM with a padded register tile), prefill sizes, and
/// more rows than one packed activation block holds; both layouts, both SIMD paths the CPU has, 1–3 threads,
/// with and without the fused GELU epilogue.
/// </summary>
public sealed unsafe class PackedPanelsTests
{
    public static TheoryData<int, bool, int, int, int, int, bool> Cases()
    {
        var data = new TheoryData<int, bool, int, int, int, int, bool>();
        foreach (int bits in new[] { 512, 256 })
        {
            foreach (bool outIn in new[] { false, true })
            {
                data.Add(bits, outIn, 1, 300, 1100, 1, false);
                data.Add(bits, outIn, 1, 75, 1100, 2, true);
                data.Add(bits, outIn, 3, 300, 70, 1, false);
                data.Add(bits, outIn, 13, 257, 1100, 3, true);
                data.Add(bits, outIn, 130, 75, 530, 2, false);
            }
            data.Add(bits, false, 700, 40, 47, 2, true); // more rows than one packed A block (600)
        }
        return data;
    }

    [Theory]
    [GemmPathData(typeof(PackedPanelsTests), nameof(Cases), 512)]
    [GemmPathData(typeof(PackedPanelsTests), nameof(Cases), 256)]
    public void MatMul_PackedWeight_MatchesScalar(int bits, bool outIn, int tokens, int inDim, int outDim, int threads, bool gelu)
    {
        var path = GemmTests.PathOf(bits);
        var layout = outIn ? WeightLayout.OutIn : WeightLayout.InOut;
        var w = Filled(inDim * outDim, 7);
        var bias = Filled(outDim, 8);
        var x = Filled(tokens * inDim, 9);
        var y = new PinnedBuffer(tokens * outDim);
        var plain = outIn ? new Weight(w.Ptr, outDim, inDim) : new Weight(w.Ptr, inDim, outDim);
        var packed = new PinnedBuffer(PackedPanels.Floats(inDim, outDim));
        packed.Span.Fill(float.NaN); // every float the kernels read must be written by Pack
        PackedPanels.Pack(plain, layout, packed.Ptr);
        using var backend = new CpuBackend(threads) { GemmPath = path };
        backend.MatMul(x.Ptr, tokens, plain.WithPacked(packed.Ptr), layout, new Weight(bias.Ptr, 1, outDim), y.Ptr,
            gelu ? MatMulEpilogue.GeluTanh : MatMulEpilogue.None);
        var expected = new float[tokens * outDim];
        ScalarKernels.MatMul(x.Span[..(tokens * inDim)], tokens, plain, layout, new Weight(bias.Ptr, 1, outDim), expected);
        for (int i = 0; i < expected.Length; i++)
        {
            float e = gelu ? ScalarKernels.GeluTanh(expected[i]) : expected[i];
            Assert.True(Math.Abs(e - y.Span[i]) <= 2e-5f * (1 + Math.Abs(e)), $"y[{i}]: {e} vs {y.Span[i]} ({path}, {layout}, {tokens} tokens)");
        }
    }

    private static PinnedBuffer Filled(long n, int seed)
    {
        var r = new Random(seed);
        var buf = new PinnedBuffer(n);
        for (long i = 0; i < n; i++)
        {
            buf.Span[(int)i] = (float)(r.NextDouble() * 2 - 1);
        }
        return buf;
    }
}
