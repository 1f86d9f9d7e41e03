using System.Numerics.Tensors;

namespace NeuronGuard.Inference.Kernels;

/// <summary>
/// Causal attention of <c>tokens</c> new queries against the KV cache, split over heads.
/// Query t sits at position start + t and sees cache rows 0..start+t. Grouped-query attention maps
/// head h to KV head h / (heads / kvHeads), as Hugging Face's <c>repeat_kv</c> does.
/// From <see cref="MatMulJob.GemmMinTokens"/> queries on, each head takes blocks of <see cref="QueryBlock"/>
/// queries through two <see cref="Gemm"/> calls (S = Q·Kᵀ, then O = exp(S − max)·V / sum, the division on the output); the tiles above the
/// causal diagonal are computed and then masked, which costs at most one block's worth of extra work.
/// Masked keys (the mask-attention mitigation) get a score of −∞ for every query after them, before the softmax,
/// so they take no weight; a masked position still attends to itself (every row keeps one finite score).
/// </summary>
internal sealed unsafe class AttentionJob : IParallelJob
{
    /// <summary>Queries per score block: (64, seq) scores stay in L2 up to 4K positions.</summary>
    private const int QueryBlock = 64;

    private readonly PartScratch _scratch;
    private float* _q;      // (tokens, heads * headDim)
    private float* _k;      // (maxSeq, kvHeads * headDim) — this layer's cache
    private float* _v;      // (maxSeq, kvHeads * headDim)
    private float* _out;    // (tokens, heads * headDim)
    private float* _scores; // (heads, maxSeq)
    private int _tokens;
    private int _start;
    private int _heads;
    private int _kvHeads;
    private int _headDim;
    private int _maxSeq;
    private int[] _masked = [];

    public AttentionJob(PartScratch scratch) => _scratch = scratch;

    /// <summary>The GEMM path for prefill; null keeps the per-query dot products for every size.</summary>
    public GemmPath? Path { get; set; } = Gemm.Best;

    public void Set(float* q, float* k, float* v, float* output, float* scores, int tokens, int start, int heads, int kvHeads, int headDim, int maxSeq, int[] maskedKeys)
    {
        _masked = maskedKeys;
        _q = q;
        _k = k;
        _v = v;
        _out = output;
        _scores = scores;
        _tokens = tokens;
        _start = start;
        _heads = heads;
        _kvHeads = kvHeads;
        _headDim = headDim;
        _maxSeq = maxSeq;
    }

    public void Execute(int part, int parts)
    {
        var (b, e) = WorkerPool.Split(_heads, part, parts, align: 1);
        for (int h = b; h < e; h++)
        {
            if (Path is { } path && _tokens >= MatMulJob.GemmMinTokens)
            {
                // Scratch: GEMM packing | one block's scores | this head's keys packed as Kᵀ panels, once for all its blocks.
                long keys = PackedPanels.Floats(_headDim, _maxSeq);
                float* scratch = _scratch.For(part, Gemm.ScratchFloats + (long)QueryBlock * _maxSeq + keys);
                float* packedK = scratch + Gemm.ScratchFloats + (long)QueryBlock * _maxSeq;
                int kvh = h / (_heads / _kvHeads);
                int seen = _start + _tokens;
                PackedPanels.Pack(_k + kvh * _headDim, _kvHeads * _headDim, true, _headDim, seen, packedK);
                for (int t0 = 0; t0 < _tokens; t0 += QueryBlock)
                {
                    Block(path, h, t0, Math.Min(_tokens, t0 + QueryBlock), scratch, scratch + Gemm.ScratchFloats, packedK, seen);
                }
            }
            else
            {
                Head(h);
            }
        }
    }

    /// <summary>Queries t0..t1 of head h; <paramref name="s"/> holds (t1 - t0, maxSeq) scores; <paramref name="packedK"/> is Kᵀ of the head's first <paramref name="keys"/> positions in panels.</summary>
    private void Block(GemmPath path, int h, int t0, int t1, float* pack, float* s, float* packedK, int keys)
    {
        int hd = _headDim;
        int qStride = _heads * hd;
        int kvStride = _kvHeads * hd;
        int kvh = h / (_heads / _kvHeads);
        int rows = t1 - t0;
        int n = _start + t1; // keys the last query of the block sees
        new Span<float>(s, rows * _maxSeq).Clear();
        PackedPanels.Multiply(path, rows, hd, _q + (long)t0 * qStride + h * hd, qStride, packedK, keys, s, _maxSeq, 0, n, pack);
        float scale = 1f / MathF.Sqrt(hd);
        float* sums = stackalloc float[QueryBlock];
        for (int r = 0; r < rows; r++)
        {
            int seen = _start + t0 + r + 1;
            var row = new Span<float>(s + (long)r * _maxSeq, n);
            MaskRow(row, seen - 1);
            sums[r] = FastKernels.ScaledExp(row[..seen], scale);
            row[seen..].Clear();
            new Span<float>(_out + (long)(t0 + r) * qStride + h * hd, hd).Clear();
        }
        Gemm.Multiply(path, rows, n, s, _maxSeq, _v + kvh * hd, kvStride, false, _out + (long)t0 * qStride + h * hd, qStride, 0, hd, pack);
        // Softmax's normalisation, applied to the headDim outputs rather than the n scores of each row.
        for (int r = 0; r < rows; r++)
        {
            var o = new Span<float>(_out + (long)(t0 + r) * qStride + h * hd, hd);
            TensorPrimitives.Multiply(o, 1f / sums[r], o);
        }
    }

    private void Head(int h)
    {
        int hd = _headDim;
        int qStride = _heads * hd;
        int kvStride = _kvHeads * hd;
        int kvh = h / (_heads / _kvHeads);
        float scale = 1f / MathF.Sqrt(hd);
        for (int t = 0; t < _tokens; t++)
        {
            int n = _start + t + 1;
            var q = new ReadOnlySpan<float>(_q + (long)t * qStride + h * hd, hd);
            var s = new Span<float>(_scores + (long)h * _maxSeq, n);
            for (int j = 0; j < n; j++)
            {
                s[j] = TensorPrimitives.Dot(q, new ReadOnlySpan<float>(_k + (long)j * kvStride + kvh * hd, hd)) * scale;
            }
            MaskRow(s, n - 1);
            FastKernels.Softmax(s);
            var o = new Span<float>(_out + (long)t * qStride + h * hd, hd);
            o.Clear();
            for (int j = 0; j < n; j++)
            {
                TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(_v + (long)j * kvStride + kvh * hd, hd), s[j], o, o);
            }
        }
    }

    /// <summary>−∞ on the masked keys before <paramref name="position"/> (the query's own position stays visible).</summary>
    private void MaskRow(Span<float> row, int position)
    {
        foreach (int m in _masked)
        {
            if (m >= position)
            {
                break;
            }
            row[m] = float.NegativeInfinity;
        }
    }
}
