using System.Numerics.Tensors;

namespace NeuronGuard.Inference.Kernels;

/// <summary>
/// y (tokens, out) = x (tokens, in) · W + b, split over output columns so each thread streams its own
/// share of W once per token block. From <see cref="GemmMinTokens"/> tokens on (prefill) each thread runs
/// the packed <see cref="Gemm"/> over its columns; below that (decode) the GEMV loops here stream W once,
/// which is what bounds them. Reused across calls (fields set per call) so decode allocates nothing.
/// </summary>
internal sealed unsafe class MatMulJob : IParallelJob
{
    /// <summary>Tokens processed together while a slice of W is hot in cache.</summary>
    private const int TokenBlock = 8;

    /// <summary>Columns per strip for the (in, out) layout: 8 tokens × 512 floats of y stay in L1/L2.</summary>
    private const int ColumnStrip = 512;

    /// <summary>
    /// Below this the GEMV loops win: with few rows the GEMM's packing of W costs as much as the multiply
    /// and the 8-row register tile is mostly padding. Measured on 768×3072, one thread: the packed GEMM
    /// overtakes the GEMV loops at 6–8 rows in the (in, out) layout and 8–12 in the (out, in) layout.
    /// </summary>
    public const int GemmMinTokens = 8;

    private readonly PartScratch _scratch;
    private float* _x;
    private float* _y;
    private Weight _w;
    private Weight _bias;
    private WeightLayout _layout;
    private int _tokens;
    private MatMulEpilogue _epilogue;

    public MatMulJob(PartScratch scratch) => _scratch = scratch;

    /// <summary>The GEMM path prefill uses; null runs the GEMV loops for every size (tests pin each path).</summary>
    public GemmPath? Path { get; set; } = Gemm.Best;

    /// <summary>Whether the last run applied the epilogue itself (the packed paths do, per thread on its columns).</summary>
    public bool EpilogueDone { get; private set; }

    public void Set(float* x, int tokens, Weight w, WeightLayout layout, Weight bias, float* y, MatMulEpilogue epilogue = MatMulEpilogue.None)
    {
        _epilogue = epilogue;
        EpilogueDone = Path is not null && w.Packed != null;
        _x = x;
        _y = y;
        _w = w;
        _bias = bias;
        _layout = layout;
        _tokens = tokens;
    }

    public void Execute(int part, int parts)
    {
        if (Path is { } p && _w.Packed != null)
        {
            Prepacked(p, part, parts);
        }
        else if (Path is { } path && _tokens >= GemmMinTokens)
        {
            Packed(path, part, parts);
        }
        else if (_layout == WeightLayout.OutIn)
        {
            var (b, e) = WorkerPool.Split(_w.Rows, part, parts);
            OutIn(b, e);
        }
        else
        {
            var (b, e) = WorkerPool.Split(_w.Cols, part, parts);
            InOut(b, e);
        }
    }

    /// <summary>
    /// Weights packed at load: one token streams the panels (GEMV), more run the GEMM on them (rows below 8 pad
    /// the register tile, which costs less than streaming W once per token). The epilogue then runs on this
    /// thread's columns while they are still in cache.
    /// </summary>
    private void Prepacked(GemmPath path, int part, int parts)
    {
        bool outIn = _layout == WeightLayout.OutIn;
        int inDim = outIn ? _w.Cols : _w.Rows;
        int outDim = outIn ? _w.Rows : _w.Cols;
        var (b, e) = WorkerPool.Split(outDim, part, parts, align: Gemm.Nr);
        if (b >= e)
        {
            return;
        }
        InitRows(outDim, b, e);
        if (_tokens == 1)
        {
            PackedPanels.Gemv(inDim, _x, _w.Packed, outDim, _y, b, e);
        }
        else
        {
            PackedPanels.Multiply(path, _tokens, inDim, _x, inDim, _w.Packed, outDim, _y, outDim, b, e, _scratch.For(part, Gemm.ScratchFloats));
        }
        if (_epilogue == MatMulEpilogue.GeluTanh)
        {
            for (int t = 0; t < _tokens; t++)
            {
                FastKernels.GeluTanh(new Span<float>(_y + (long)t * outDim + b, e - b));
            }
        }
    }

    /// <summary>y[t, b..e) ← bias (or zero) for every token: the kernels accumulate into it.</summary>
    private void InitRows(int outDim, int b, int e)
    {
        for (int t = 0; t < _tokens; t++)
        {
            var yt = new Span<float>(_y + (long)t * outDim + b, e - b);
            if (_bias.IsEmpty)
            {
                yt.Clear();
            }
            else
            {
                new ReadOnlySpan<float>(_bias.Data + b, e - b).CopyTo(yt);
            }
        }
    }

    private void Packed(GemmPath path, int part, int parts)
    {
        bool outIn = _layout == WeightLayout.OutIn;
        int inDim = outIn ? _w.Cols : _w.Rows;
        int outDim = outIn ? _w.Rows : _w.Cols;
        var (b, e) = WorkerPool.Split(outDim, part, parts, align: Gemm.Nr);
        if (b >= e)
        {
            return;
        }
        for (int t = 0; t < _tokens; t++)
        {
            var yt = new Span<float>(_y + (long)t * outDim + b, e - b);
            if (_bias.IsEmpty)
            {
                yt.Clear();
            }
            else
            {
                new ReadOnlySpan<float>(_bias.Data + b, e - b).CopyTo(yt);
            }
        }
        Gemm.Multiply(path, _tokens, inDim, _x, inDim, _w.Data, outIn ? inDim : outDim, outIn, _y, outDim, b, e, _scratch.For(part, Gemm.ScratchFloats));
    }

    private void OutIn(int begin, int end)
    {
        int inDim = _w.Cols;
        int outDim = _w.Rows;
        for (int t0 = 0; t0 < _tokens; t0 += TokenBlock)
        {
            int t1 = Math.Min(_tokens, t0 + TokenBlock);
            for (int o = begin; o < end; o++)
            {
                var row = new ReadOnlySpan<float>(_w.Data + (long)o * inDim, inDim);
                float bo = _bias.IsEmpty ? 0f : _bias.Data[o];
                for (int t = t0; t < t1; t++)
                {
                    _y[(long)t * outDim + o] = TensorPrimitives.Dot(row, new ReadOnlySpan<float>(_x + (long)t * inDim, inDim)) + bo;
                }
            }
        }
    }

    private void InOut(int begin, int end)
    {
        int inDim = _w.Rows;
        int outDim = _w.Cols;
        for (int c0 = begin; c0 < end; c0 += ColumnStrip)
        {
            int width = Math.Min(end, c0 + ColumnStrip) - c0;
            for (int t0 = 0; t0 < _tokens; t0 += TokenBlock)
            {
                int t1 = Math.Min(_tokens, t0 + TokenBlock);
                for (int t = t0; t < t1; t++)
                {
                    var yt = new Span<float>(_y + (long)t * outDim + c0, width);
                    if (_bias.IsEmpty)
                    {
                        yt.Clear();
                    }
                    else
                    {
                        new ReadOnlySpan<float>(_bias.Data + c0, width).CopyTo(yt);
                    }
                }
                for (int i = 0; i < inDim; i++)
                {
                    var wi = new ReadOnlySpan<float>(_w.Data + (long)i * outDim + c0, width);
                    for (int t = t0; t < t1; t++)
                    {
                        var yt = new Span<float>(_y + (long)t * outDim + c0, width);
                        TensorPrimitives.MultiplyAdd(wi, _x[(long)t * inDim + i], yt, yt);
                    }
                }
            }
        }
    }
}

/// <summary>An element-wise function applied to the matmul's output in the same job (bias is always fused).</summary>
internal enum MatMulEpilogue
{
    None,

    /// <summary>GPT-2's MLP: GELU (tanh) of c_fc's output, on each thread's columns while they are in cache.</summary>
    GeluTanh,
}
