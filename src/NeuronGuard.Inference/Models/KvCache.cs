using NeuronGuard.Inference.Loading;

namespace NeuronGuard.Inference.Models;

/// <summary>Keys and values of every layer for positions 0..MaxSeq-1: (layer, maxSeq, kvHeads·headDim) each.</summary>
internal sealed unsafe class KvCache
{
    private readonly PinnedBuffer[] _k;
    private readonly PinnedBuffer[] _v;

    public KvCache(ModelConfig c, int maxSeq)
    {
        MaxSeq = maxSeq;
        KvDim = c.KvHeads * c.HeadDim;
        _k = new PinnedBuffer[c.Layers];
        _v = new PinnedBuffer[c.Layers];
        for (int l = 0; l < c.Layers; l++)
        {
            _k[l] = new PinnedBuffer((long)maxSeq * KvDim);
            _v[l] = new PinnedBuffer((long)maxSeq * KvDim);
        }
    }

    public int MaxSeq { get; }

    /// <summary>
    /// Key positions no later query may attend to (the mask-attention mitigation), ascending; empty by default. It lives
    /// with the cache because it is part of the sequence's state: every forward pass over this cache applies it.
    /// </summary>
    public int[] MaskedKeys { get; set; } = [];

    public int KvDim { get; }

    public float* K(int layer) => _k[layer].Ptr;

    public float* V(int layer) => _v[layer].Ptr;

    /// <summary>Copies (tokens, kvDim) new keys and values into rows start..start+tokens-1.</summary>
    public void Store(int layer, int start, int tokens, float* k, float* v)
    {
        long n = (long)tokens * KvDim;
        new ReadOnlySpan<float>(k, (int)n).CopyTo(new Span<float>(_k[layer].Ptr + (long)start * KvDim, (int)n));
        new ReadOnlySpan<float>(v, (int)n).CopyTo(new Span<float>(_v[layer].Ptr + (long)start * KvDim, (int)n));
    }
}
