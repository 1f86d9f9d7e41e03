using NeuronGuard.Inference.Kernels;
using NeuronGuard.Inference.Loading;

namespace NeuronGuard.Inference.Models;

/// <summary>
/// <c>LlamaForCausalLM</c>: RMSNorm, RoPE, grouped-query attention, SwiGLU MLP, optional tied head.
/// The hooked activation is silu(gate)·up, the input of down_proj.
/// </summary>
internal sealed unsafe class LlamaModel : TransformerModel
{
    private readonly LlamaWeights _w;
    private readonly Rope _rope;

    public LlamaModel(ModelConfig config, LlamaWeights weights, IComputeBackend backend, int maxSeq)
        : base(config, backend)
    {
        _w = weights;
        _rope = new Rope(config, maxSeq);
    }

    protected override Weight Head => _w.Head;

    protected override void Embed(ReadOnlySpan<int> tokens, int start, float* x)
    {
        int d = Config.Hidden;
        for (int t = 0; t < tokens.Length; t++)
        {
            _w.Embed.Row(tokens[t]).CopyTo(new Span<float>(x + (long)t * d, d));
        }
    }

    protected override void Block(int layer, int tokens, int start, RunState s, KvCache kv, IMlpHook[]? hooks)
    {
        var L = _w.Layers[layer];
        var c = Config;
        Backend.RmsNorm(s.X.Ptr, s.Xb.Ptr, tokens, c.Hidden, L.AttnNorm, c.NormEps);
        Backend.MatMul(s.Xb.Ptr, tokens, L.Wq, WeightLayout.OutIn, default, s.Q.Ptr);
        Backend.MatMul(s.Xb.Ptr, tokens, L.Wk, WeightLayout.OutIn, default, s.K.Ptr);
        Backend.MatMul(s.Xb.Ptr, tokens, L.Wv, WeightLayout.OutIn, default, s.V.Ptr);
        _rope.Apply(s.Q.Ptr, tokens, start, c.Heads);
        _rope.Apply(s.K.Ptr, tokens, start, c.KvHeads);
        kv.Store(layer, start, tokens, s.K.Ptr, s.V.Ptr);
        Backend.Attention(s.Q.Ptr, kv.K(layer), kv.V(layer), s.Att.Ptr, s.Scores.Ptr, tokens, start, c.Heads, c.KvHeads, c.HeadDim, kv.MaxSeq, kv.MaskedKeys);
        Backend.MatMul(s.Att.Ptr, tokens, L.Wo, WeightLayout.OutIn, default, s.Proj.Ptr);
        Residual(s.X.Ptr, s.Proj.Ptr, tokens);

        Backend.RmsNorm(s.X.Ptr, s.Xb.Ptr, tokens, c.Hidden, L.MlpNorm, c.NormEps);
        Backend.MatMul(s.Xb.Ptr, tokens, L.Gate, WeightLayout.OutIn, default, s.Hb.Ptr);
        Backend.MatMul(s.Xb.Ptr, tokens, L.Up, WeightLayout.OutIn, default, s.Hb2.Ptr);
        Backend.SiluMul(s.Hb.Ptr, s.Hb2.Ptr, tokens * c.Intermediate);
        if (hooks is not null)
        {
            RunHooks(hooks, layer, start, tokens, s);
        }
        Backend.MatMul(s.Hb.Ptr, tokens, L.Down, WeightLayout.OutIn, default, s.Proj.Ptr);
        Residual(s.X.Ptr, s.Proj.Ptr, tokens);
    }

    protected override void FinalNorm(float* x, float* y, int rows) =>
        Backend.RmsNorm(x, y, rows, Config.Hidden, _w.Norm, Config.NormEps);
}

