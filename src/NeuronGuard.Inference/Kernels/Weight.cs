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
/// </summary>
internal readonly unsafe struct Weight
{
    public readonly float* Data;
    public readonly int Rows;
    public readonly int Cols;

    public Weight(float* data, int rows, int cols)
    {
        Data = data;
        Rows = rows;
        Cols = cols;
    }

    public bool IsEmpty => Data == null;

    public int Length => Rows * Cols;

    public ReadOnlySpan<float> Span => new(Data, Rows * Cols);

    public ReadOnlySpan<float> Row(int r) => new(Data + (long)r * Cols, Cols);
}
