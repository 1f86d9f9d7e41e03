namespace NeuronGuard.Inference.Kernels;

/// <summary>
/// Plain loops, one per kernel, written for obviousness (llama2.c <c>run.c</c>). The fast kernels are
/// tested against these; nothing on the hot path calls them.
/// </summary>
internal static class ScalarKernels
{
    /// <summary>y (tokens, out) = x (tokens, in) · W + b, W in either layout.</summary>
    public static void MatMul(ReadOnlySpan<float> x, int tokens, Weight w, WeightLayout layout, Weight bias, Span<float> y)
    {
        int inDim = layout == WeightLayout.OutIn ? w.Cols : w.Rows;
        int outDim = layout == WeightLayout.OutIn ? w.Rows : w.Cols;
        var ws = w.Span;
        for (int t = 0; t < tokens; t++)
        {
            for (int o = 0; o < outDim; o++)
            {
                double acc = bias.IsEmpty ? 0 : bias.Span[o];
                for (int i = 0; i < inDim; i++)
                {
                    float wv = layout == WeightLayout.OutIn ? ws[o * inDim + i] : ws[i * outDim + o];
                    acc += x[t * inDim + i] * wv;
                }
                y[t * outDim + o] = (float)acc;
            }
        }
    }

    /// <summary>C (m, n) += A (m, k) · B with row strides; B is (k, n), or (n, k) when transposed.</summary>
    public static unsafe void Gemm(int m, int n, int k, float* a, int lda, float* b, int ldb, bool bTransposed, float* c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double acc = 0;
                for (int p = 0; p < k; p++)
                {
                    acc += a[(long)i * lda + p] * (bTransposed ? b[(long)j * ldb + p] : b[(long)p * ldb + j]);
                }
                c[(long)i * ldc + j] += (float)acc;
            }
        }
    }

    public static void LayerNorm(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float eps)
    {
        double mean = 0;
        foreach (var v in x)
        {
            mean += v;
        }
        mean /= x.Length;
        double var = 0;
        foreach (var v in x)
        {
            var += (v - mean) * (v - mean);
        }
        var /= x.Length;
        double inv = 1.0 / Math.Sqrt(var + eps);
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = (float)((x[i] - mean) * inv * gamma[i] + beta[i]);
        }
    }

    public static void RmsNorm(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> weight, float eps)
    {
        double ss = 0;
        foreach (var v in x)
        {
            ss += v * v;
        }
        double inv = 1.0 / Math.Sqrt(ss / x.Length + eps);
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = (float)(x[i] * inv * weight[i]);
        }
    }

    /// <summary>GELU, tanh approximation (GPT-2's <c>gelu_new</c>).</summary>
    public static float GeluTanh(float x) =>
        (float)(0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))));

    public static float Silu(float x) => (float)(x / (1 + Math.Exp(-x)));

    public static void Softmax(Span<float> x)
    {
        float max = float.NegativeInfinity;
        foreach (var v in x)
        {
            max = Math.Max(max, v);
        }
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)Math.Exp(x[i] - max);
            sum += x[i];
        }
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(x[i] / sum);
        }
    }
}
