namespace NeuronGuard.Inference.Kernels;

/// <summary>
/// The forward-pass kernels a model needs, so a GPU backend can replace the CPU one later without
/// touching the model code. Buffers are raw F32 pointers into pinned run-state arrays; a device
/// backend would map them to device buffers. Rows are tokens throughout.
/// </summary>
internal unsafe interface IComputeBackend : IDisposable
{
    /// <summary>Threads the backend uses (the CPU backend's worker count).</summary>
    int Threads { get; }

    /// <summary>y (tokens, out) = f(x (tokens, in) · W + b); <paramref name="bias"/> may be empty, f is the epilogue (identity by default).</summary>
    void MatMul(float* x, int tokens, Weight w, WeightLayout layout, Weight bias, float* y, MatMulEpilogue epilogue = MatMulEpilogue.None);

    /// <summary>Row-wise LayerNorm of (tokens, dim).</summary>
    void LayerNorm(float* x, float* y, int tokens, int dim, Weight gamma, Weight beta, float eps);

    /// <summary>Row-wise RMSNorm of (tokens, dim).</summary>
    void RmsNorm(float* x, float* y, int tokens, int dim, Weight weight, float eps);

    /// <summary>gate ← silu(gate) · up over n values, one vectorised pass.</summary>
    void SiluMul(float* gate, float* up, int n);

    /// <summary>
    /// Causal attention; see <see cref="AttentionJob"/> for the buffer shapes. A query at position p does not attend to
    /// a key position m of <paramref name="maskedKeys"/> with m &lt; p (an additive −∞ on that score).
    /// </summary>
    void Attention(float* q, float* k, float* v, float* output, float* scores, int tokens, int start, int heads, int kvHeads, int headDim, int maxSeq, int[] maskedKeys);
}
