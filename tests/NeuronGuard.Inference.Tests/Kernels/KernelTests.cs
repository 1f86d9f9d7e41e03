using NeuronGuard.Inference.Kernels;
using NeuronGuard.Inference.Models;

namespace NeuronGuard.Inference.Tests.Kernels;

/// <summary>Every fast kernel against its scalar reference.</summary>
public sealed unsafe class KernelTests
{
    private static float[] Random(int n, int seed, float scale = 1f)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 2 - 1) * scale).ToArray();
    }

    private static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tol)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * (1 + Math.Abs(expected[i])), $"index {i}: {expected[i]} vs {actual[i]}");
        }
    }

    [Fact]
    public void Norms_Fast_MatchScalar()
    {
        var x = Random(131, 1, 3f);
        var g = Random(131, 2);
        var b = Random(131, 3);
        var e = new float[131];
        var a = new float[131];
        ScalarKernels.LayerNorm(x, e, g, b, 1e-5f);
        FastKernels.LayerNorm(x, a, g, b, 1e-5f);
        Close(e, a, 1e-5f);
        ScalarKernels.RmsNorm(x, e, g, 1e-6f);
        FastKernels.RmsNorm(x, a, g, 1e-6f);
        Close(e, a, 1e-5f);
    }

    [Fact]
    public void Activations_Fast_MatchScalar()
    {
        var x = Random(1000, 4, 8f);
        var gelu = (float[])x.Clone();
        FastKernels.GeluTanh(gelu);
        Close(x.Select(ScalarKernels.GeluTanh).ToArray(), gelu, 1e-5f);

        var up = Random(1000, 5, 2f);
        var gate = (float[])x.Clone();
        FastKernels.SiluMul(gate, up);
        Close(x.Select((v, i) => ScalarKernels.Silu(v) * up[i]).ToArray(), gate, 1e-5f);

        var s1 = Random(77, 6, 50f);
        var s2 = (float[])s1.Clone();
        ScalarKernels.Softmax(s1);
        FastKernels.Softmax(s2);
        Close(s1, s2, 1e-5f);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(77)] // vector body and scalar tail
    public void ScaledExp_DividedBySum_MatchesScalarSoftmax(int n)
    {
        var raw = Random(n, 13, 40f);
        var expected = raw.Select(v => v * 0.125f).ToArray();
        ScalarKernels.Softmax(expected);
        var actual = (float[])raw.Clone();
        float sum = FastKernels.ScaledExp(actual, 0.125f);
        Close(expected, actual.Select(v => v / sum).ToArray(), 1e-5f);
    }

    [Theory]
    [InlineData(true, 1, 1, false)]
    [InlineData(true, 9, 2, false)]
    [InlineData(false, 1, 1, false)]
    [InlineData(false, 9, 2, false)]
    [InlineData(false, 13, 3, false)]
    [InlineData(true, 9, 2, true)] // the GEMV loops at sizes the GEMM takes by default
    [InlineData(false, 13, 3, true)]
    public void MatMul_Backend_MatchesScalar(bool outIn, int tokens, int threads, bool gemvLoops)
    {
        var layout = outIn ? WeightLayout.OutIn : WeightLayout.InOut;
        const int inDim = 75, outDim = 1100; // outDim > one 512-column strip, not a multiple of 16
        var wArr = GC.AllocateArray<float>(inDim * outDim, pinned: true);
        Random(inDim * outDim, 7).CopyTo(wArr, 0);
        var bArr = GC.AllocateArray<float>(outDim, pinned: true);
        Random(outDim, 8).CopyTo(bArr, 0);
        var x = new PinnedBuffer(tokens * inDim);
        Random(tokens * inDim, 9).CopyTo(x.Span);
        var y = new PinnedBuffer(tokens * outDim);
        fixed (float* wp = wArr, bp = bArr)
        {
            var w = layout == WeightLayout.OutIn ? new Weight(wp, outDim, inDim) : new Weight(wp, inDim, outDim);
            var bias = new Weight(bp, 1, outDim);
            using var backend = new CpuBackend(threads);
            if (gemvLoops)
            {
                backend.GemmPath = null;
            }
            backend.MatMul(x.Ptr, tokens, w, layout, bias, y.Ptr);
            var expected = new float[tokens * outDim];
            ScalarKernels.MatMul(x.Span[..(tokens * inDim)], tokens, w, layout, bias, expected);
            Close(expected, y.Span[..(tokens * outDim)], 1e-5f);
        }
    }

    [Theory]
    [GemmPathData(0, 1, 4, 4, 0, 2)]
    [GemmPathData(0, 5, 4, 2, 3, 2)]
    [GemmPathData(0, 3, 6, 1, 0, 1)]
    [GemmPathData(512, 20, 4, 2, 3, 2)] // prefill sizes run the GEMM; 70 > one 64-query block
    [GemmPathData(512, 70, 6, 2, 0, 2)]
    [GemmPathData(256, 20, 4, 4, 5, 1)]
    [GemmPathData(256, 70, 6, 3, 2, 2)]
    public void Attention_Backend_MatchesNaive(int gemmBits, int tokens, int heads, int kvHeads, int start, int threads) =>
        AttentionMatchesNaive(gemmBits, tokens, heads, kvHeads, start, threads, []);

    /// <summary>Masked keys (the mask-attention mitigation) take no weight from any later query, in both the per-query and the GEMM path.</summary>
    [Theory]
    [GemmPathData(0, 5, 4, 2, 3, 2)]
    [GemmPathData(0, 6, 4, 4, 0, 1)]
    [GemmPathData(512, 20, 4, 2, 3, 2)]
    [GemmPathData(256, 70, 6, 3, 2, 2)]
    public void Attention_MaskedKeys_MatchesNaiveWithMinusInfinity(int gemmBits, int tokens, int heads, int kvHeads, int start, int threads) =>
        AttentionMatchesNaive(gemmBits, tokens, heads, kvHeads, start, threads, [0, 2, 4]);

    private static void AttentionMatchesNaive(int gemmBits, int tokens, int heads, int kvHeads, int start, int threads, int[] masked)
    {
        GemmPath? path = gemmBits == 0 ? null : GemmTests.PathOf(gemmBits);
        const int hd = 8, maxSeq = 80;
        var q = new PinnedBuffer(tokens * heads * hd);
        Random(q.Length, 10, 2f).CopyTo(q.Span);
        var k = new PinnedBuffer(maxSeq * kvHeads * hd);
        Random(k.Length, 11, 2f).CopyTo(k.Span);
        var v = new PinnedBuffer(maxSeq * kvHeads * hd);
        Random(v.Length, 12).CopyTo(v.Span);
        var o = new PinnedBuffer(tokens * heads * hd);
        var scores = new PinnedBuffer(heads * maxSeq);
        using var backend = new CpuBackend(threads) { GemmPath = path };
        backend.Attention(q.Ptr, k.Ptr, v.Ptr, o.Ptr, scores.Ptr, tokens, start, heads, kvHeads, hd, maxSeq, masked);

        var expected = new float[tokens * heads * hd];
        for (int t = 0; t < tokens; t++)
        {
            for (int h = 0; h < heads; h++)
            {
                int kvh = h / (heads / kvHeads);
                int n = start + t + 1;
                var s = new float[n];
                for (int j = 0; j < n; j++)
                {
                    double dot = 0;
                    for (int i = 0; i < hd; i++)
                    {
                        dot += q.Span[t * heads * hd + h * hd + i] * k.Span[j * kvHeads * hd + kvh * hd + i];
                    }
                    s[j] = masked.Contains(j) && j < start + t ? float.NegativeInfinity : (float)(dot / Math.Sqrt(hd));
                }
                ScalarKernels.Softmax(s);
                for (int i = 0; i < hd; i++)
                {
                    double acc = 0;
                    for (int j = 0; j < n; j++)
                    {
                        acc += s[j] * v.Span[j * kvHeads * hd + kvh * hd + i];
                    }
                    expected[t * heads * hd + h * hd + i] = (float)acc;
                }
            }
        }
        Close(expected, o.Span[..expected.Length], 1e-5f);
    }

    [Fact]
    public void HalfConversion_RoundTrips()
    {
        float[] values = [0f, 1f, -2.5f, 65504f, 1e-3f, 3.14159f];
        foreach (var f in values)
        {
            var bf = new float[1];
            NeuronGuard.Inference.Loading.HalfConversion.BF16ToF32([NeuronGuard.Inference.Loading.HalfConversion.F32ToBF16(f)], bf);
            Assert.Equal(f, bf[0], Math.Abs(f) / 128 + 1e-9f);
            var h = new float[1];
            NeuronGuard.Inference.Loading.HalfConversion.F16ToF32([NeuronGuard.Inference.Loading.HalfConversion.F32ToF16(f)], h);
            Assert.Equal((float)(Half)f, h[0]);
        }
    }
}
