namespace NeuronGuard.Inference.Kernels;

/// <summary>How a projection matrix is stored; both occur in Hugging Face checkpoints.</summary>
internal enum WeightLayout
{
    /// <summary><c>nn.Linear</c>: (out, in), y[o] = W[o, :] · x. Llama projections and every LM head.</summary>
    OutIn,

    /// <summary>GPT-2's <c>Conv1D</c>: (in, out), y = x W, so y accumulates rows of W scaled by x[i].</summary>
    InOut,
}

/// <summary>
/// A read-only F32 matrix (or vector, with <see cref="Rows"/> = 1) living in the memory mapping or in a
/// pinned array; a raw pointer so kernels can slice it without bounds checks or pinning per call.
/// <see cref="Packed"/>, when set, is the same matrix in <see cref="PackedPanels"/> layout, made once at load:
/// prefill's GEMM and decode's GEMV both read it, and the original is then no longer read by the kernels.
/// </summary>
internal readonly unsafe struct Weight
{
    public readonly float* Data;
    public readonly int Rows;
    public readonly int Cols;
    public readonly float* Packed;

    public Weight(float* data, int rows, int cols, float* packed = null)
    {
        Data = data;
        Rows = rows;
        Cols = cols;
        Packed = packed;
    }

    public Weight WithPacked(float* packed) => new(Data, Rows, Cols, packed);

    public bool IsEmpty => Data == null;

    public int Length => Rows * Cols;

    public ReadOnlySpan<float> Span => new(Data, Rows * Cols);

    public ReadOnlySpan<float> Row(int r) => new(Data + (long)r * Cols, Cols);
}
