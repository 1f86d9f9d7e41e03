using System.Numerics.Tensors;

namespace NeuronGuard.Inference.Kernels;

/// <summary>
/// y (tokens, out) = x (tokens, in) · W + b, split over output columns so each thread streams its own
/// share of W once per token block. Reused across calls (fields set per call) so decode allocates nothing.
/// </summary>
internal sealed unsafe class MatMulJob : IParallelJob
{
    /// <summary>Tokens processed together while a slice of W is hot in cache.</summary>
    private const int TokenBlock = 8;

    /// <summary>Columns per strip for the (in, out) layout: 8 tokens × 512 floats of y stay in L1/L2.</summary>
    private const int ColumnStrip = 512;

    private float* _x;
    private float* _y;
    private Weight _w;
    private Weight _bias;
    private WeightLayout _layout;
    private int _tokens;

    public void Set(float* x, int tokens, Weight w, WeightLayout layout, Weight bias, float* y)
    {
        _x = x;
        _y = y;
        _w = w;
        _bias = bias;
        _layout = layout;
        _tokens = tokens;
    }

    public void Execute(int part, int parts)
    {
        if (_layout == WeightLayout.OutIn)
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
