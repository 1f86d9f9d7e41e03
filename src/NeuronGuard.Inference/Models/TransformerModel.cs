using NeuronGuard.Inference.Kernels;
using NeuronGuard.Inference.Loading;

namespace NeuronGuard.Inference.Models;

/// <summary>
/// The forward pass shared by both families: embed, run the blocks, normalise, project to the vocabulary.
/// Subclasses supply the embedding, one block and the final norm; the hook call sits here so both
/// families expose the same activation to hooks.
/// </summary>
internal abstract unsafe class TransformerModel
{
    protected TransformerModel(ModelConfig config, IComputeBackend backend)
    {
        Config = config;
        Backend = backend;
    }

    public ModelConfig Config { get; }

    protected IComputeBackend Backend { get; }

    /// <summary>The (vocab, hidden) output projection; the token embedding when tied.</summary>
    protected abstract Weight Head { get; }

    /// <summary>
    /// Runs <paramref name="tokens"/> at positions start.. and writes their keys and values into the cache.
    /// Logits land in <see cref="RunState.LastLogits"/> (last token) or, with <paramref name="allLogits"/>,
    /// in <see cref="RunState.AllLogits"/> (tokens, vocab).
    /// </summary>
    public void Forward(ReadOnlySpan<int> tokens, int start, RunState s, KvCache kv, IMlpHook[]? hooks, bool allLogits)
    {
        int t = tokens.Length;
        if (t == 0)
        {
            throw new ArgumentException("a forward call needs at least one token.", nameof(tokens));
        }
        if (start + t > kv.MaxSeq)
        {
            throw new InvalidOperationException(
                $"positions {start}..{start + t - 1} exceed the session's context of {kv.MaxSeq} tokens; start a new session or raise MaxContextTokens (at most {Config.MaxPositions}).");
        }
        foreach (int id in tokens)
        {
            if ((uint)id >= (uint)Config.Vocab)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), $"token id {id} is outside the vocabulary of {Config.Vocab}.");
            }
        }
        s.EnsureCapacity(t);
        Embed(tokens, start, s.X.Ptr);
        for (int layer = 0; layer < Config.Layers; layer++)
        {
            Block(layer, t, start, s, kv, hooks);
        }
        if (hooks is not null)
        {
            foreach (var h in hooks)
            {
                h.OnForwardCompleted(start, t);
            }
        }
        int h0 = allLogits ? 0 : t - 1;
        int rows = t - h0;
        float* x = s.X.Ptr + (long)h0 * Config.Hidden;
        FinalNorm(x, s.Xb.Ptr, rows);
        float* logits = allLogits ? s.EnsureAllLogits(t).Ptr : s.LastLogits.Ptr;
        Backend.MatMul(s.Xb.Ptr, rows, Head, WeightLayout.OutIn, default, logits);
    }

    protected abstract void Embed(ReadOnlySpan<int> tokens, int start, float* x);

    protected abstract void Block(int layer, int tokens, int start, RunState s, KvCache kv, IMlpHook[]? hooks);

    protected abstract void FinalNorm(float* x, float* y, int rows);

    /// <summary>Hands the (tokens, ffn) activation in <see cref="RunState.Hb"/> to every hook.</summary>
    protected void RunHooks(IMlpHook[] hooks, int layer, int start, int tokens, RunState s)
    {
        var ctx = new MlpActivationContext(layer, start, tokens, Config.Intermediate);
        var act = new Span<float>(s.Hb.Ptr, tokens * Config.Intermediate);
        foreach (var h in hooks)
        {
            h.OnMlpActivation(ctx, act);
        }
    }

    /// <summary>x += y over (tokens, hidden).</summary>
    protected void Residual(float* x, float* y, int tokens)
    {
        int n = tokens * Config.Hidden;
        System.Numerics.Tensors.TensorPrimitives.Add(new ReadOnlySpan<float>(x, n), new ReadOnlySpan<float>(y, n), new Span<float>(x, n));
    }
}
