namespace NeuronGuard.Inference.Kernels;

/// <summary>
/// The managed CPU backend: vectorised kernels (System.Numerics.Tensors) with matmuls and attention
/// split over a fixed <see cref="WorkerPool"/>. Calls from several sessions are serialised by a lock,
/// since the job objects are reused to keep decode allocation-free.
/// </summary>
internal sealed unsafe class CpuBackend : IComputeBackend
{
    private readonly WorkerPool _pool;
    private readonly MatMulJob _matMul;
    private readonly AttentionJob _attention;
    private readonly object _gate = new();

    public CpuBackend(int threads)
    {
        _pool = new WorkerPool(threads);
        var scratch = new PartScratch(_pool.Threads);
        _matMul = new MatMulJob(scratch);
        _attention = new AttentionJob(scratch);
    }

    /// <summary>The GEMM path prefill runs (default <see cref="Gemm.Best"/>); null keeps the GEMV loops, for tests and before/after benchmarks.</summary>
    public GemmPath? GemmPath
    {
        get => _matMul.Path;
        set
        {
            _matMul.Path = value;
            _attention.Path = value;
        }
    }

    public int Threads => _pool.Threads;

    public void MatMul(float* x, int tokens, Weight w, WeightLayout layout, Weight bias, float* y, MatMulEpilogue epilogue = MatMulEpilogue.None)
    {
        lock (_gate)
        {
            _matMul.Set(x, tokens, w, layout, bias, y, epilogue);
            _pool.Run(_matMul);
            if (epilogue == MatMulEpilogue.GeluTanh && !_matMul.EpilogueDone)
            {
                // The unpacked paths (GEMV loops, on-the-fly packing) split differently: one pass afterwards.
                int outDim = layout == WeightLayout.OutIn ? w.Rows : w.Cols;
                FastKernels.GeluTanh(new Span<float>(y, tokens * outDim));
            }
        }
    }

    public void LayerNorm(float* x, float* y, int tokens, int dim, Weight gamma, Weight beta, float eps)
    {
        for (int t = 0; t < tokens; t++)
        {
            FastKernels.LayerNorm(new ReadOnlySpan<float>(x + (long)t * dim, dim), new Span<float>(y + (long)t * dim, dim), gamma.Span, beta.Span, eps);
        }
    }

    public void RmsNorm(float* x, float* y, int tokens, int dim, Weight weight, float eps)
    {
        for (int t = 0; t < tokens; t++)
        {
            FastKernels.RmsNorm(new ReadOnlySpan<float>(x + (long)t * dim, dim), new Span<float>(y + (long)t * dim, dim), weight.Span, eps);
        }
    }

    public void SiluMul(float* gate, float* up, int n) =>
        FastKernels.SiluMul(new Span<float>(gate, n), new ReadOnlySpan<float>(up, n));

    public void Attention(float* q, float* k, float* v, float* output, float* scores, int tokens, int start, int heads, int kvHeads, int headDim, int maxSeq, int[] maskedKeys)
    {
        lock (_gate)
        {
            _attention.Set(q, k, v, output, scores, tokens, start, heads, kvHeads, headDim, maxSeq, maskedKeys);
            _pool.Run(_attention);
        }
    }

    public void Dispose() => _pool.Dispose();
}
