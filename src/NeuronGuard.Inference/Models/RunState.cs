using NeuronGuard.Inference.Loading;

namespace NeuronGuard.Inference.Models;

/// <summary>
/// Activation buffers of one session (llama2.c <c>RunState</c>), sized for <see cref="Capacity"/>
/// tokens per forward call. They grow only when a prefill is longer than any before, so decode
/// (one token per call) never allocates.
/// </summary>
internal sealed unsafe class RunState
{
    private readonly ModelConfig _c;

    public RunState(ModelConfig config, int maxSeq)
    {
        _c = config;
        MaxSeq = maxSeq;
        Scores = new PinnedBuffer((long)config.Heads * maxSeq);
        LastLogits = new PinnedBuffer(config.Vocab);
        Allocate(1);
    }

    public int Capacity { get; private set; }

    public int MaxSeq { get; }

    public PinnedBuffer X { get; private set; } = null!;       // (T, hidden) residual stream
    public PinnedBuffer Xb { get; private set; } = null!;      // (T, hidden) normalised input of a block
    public PinnedBuffer Qkv { get; private set; } = null!;     // (T, (heads + 2·kvHeads)·headDim) GPT-2 fused c_attn output
    public PinnedBuffer Q { get; private set; } = null!;       // (T, heads·headDim)
    public PinnedBuffer K { get; private set; } = null!;       // (T, kvHeads·headDim) new keys before caching
    public PinnedBuffer V { get; private set; } = null!;       // (T, kvHeads·headDim)
    public PinnedBuffer Att { get; private set; } = null!;     // (T, heads·headDim) attention output
    public PinnedBuffer Proj { get; private set; } = null!;    // (T, hidden) output projection
    public PinnedBuffer Hb { get; private set; } = null!;      // (T, ffn) MLP activation — what hooks see
    public PinnedBuffer Hb2 { get; private set; } = null!;     // (T, ffn) Llama up_proj output
    public PinnedBuffer Scores { get; }                        // (heads, maxSeq) attention scores
    public PinnedBuffer LastLogits { get; }                    // (vocab) logits of the last token
    public PinnedBuffer? AllLogits { get; private set; }       // (T, vocab) logits of every token, on request

    public void EnsureCapacity(int tokens)
    {
        if (tokens > Capacity)
        {
            Allocate(Math.Max(tokens, Capacity * 2));
        }
    }

    public PinnedBuffer EnsureAllLogits(int tokens)
    {
        if (AllLogits is null || AllLogits.Length < (long)tokens * _c.Vocab)
        {
            AllLogits = new PinnedBuffer((long)tokens * _c.Vocab);
        }
        return AllLogits;
    }

    private void Allocate(int t)
    {
        Capacity = t;
        int qDim = _c.Heads * _c.HeadDim;
        int kvDim = _c.KvHeads * _c.HeadDim;
        X = new PinnedBuffer((long)t * _c.Hidden);
        Xb = new PinnedBuffer((long)t * _c.Hidden);
        Qkv = new PinnedBuffer((long)t * (qDim + 2 * kvDim));
        Q = new PinnedBuffer((long)t * qDim);
        K = new PinnedBuffer((long)t * kvDim);
        V = new PinnedBuffer((long)t * kvDim);
        Att = new PinnedBuffer((long)t * qDim);
        Proj = new PinnedBuffer((long)t * _c.Hidden);
        Hb = new PinnedBuffer((long)t * _c.Intermediate);
        Hb2 = new PinnedBuffer(_c.Family == ModelFamily.Llama ? (long)t * _c.Intermediate : 1);
    }
}
