using System.Numerics.Tensors;

namespace NeuronGuard.Inference.Kernels;

/// <summary>
/// Causal attention of <c>tokens</c> new queries against the KV cache, split over heads.
/// Query t sits at position start + t and sees cache rows 0..start+t. Grouped-query attention maps
/// head h to KV head h / (heads / kvHeads), as Hugging Face's <c>repeat_kv</c> does.
/// </summary>
internal sealed unsafe class AttentionJob : IParallelJob
{
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

    public void Set(float* q, float* k, float* v, float* output, float* scores, int tokens, int start, int heads, int kvHeads, int headDim, int maxSeq)
    {
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
            Head(h);
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
            FastKernels.Softmax(s);
            var o = new Span<float>(_out + (long)t * qStride + h * hd, hd);
            o.Clear();
            for (int j = 0; j < n; j++)
            {
                TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(_v + (long)j * kvStride + kvh * hd, hd), s[j], o, o);
            }
        }
    }
}
