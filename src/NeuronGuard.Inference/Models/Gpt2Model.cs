using NeuronGuard.Inference.Kernels;
using NeuronGuard.Inference.Loading;

namespace NeuronGuard.Inference.Models;

/// <summary>
/// <c>GPT2LMHeadModel</c>: learned positions, pre-LayerNorm blocks, fused c_attn, GELU-tanh MLP, tied head.
/// Conv1D weights are (in, out); the block's weights are packed into GEMM panels at load (<see cref="PackedPanels"/>).
/// </summary>
internal sealed unsafe class Gpt2Model : TransformerModel
{
    private readonly Gpt2Weights _w;

    public Gpt2Model(ModelConfig config, Gpt2Weights weights, IComputeBackend backend)
        : base(config, backend) => _w = weights;

    protected override Weight Head => _w.Wte;

    protected override void Embed(ReadOnlySpan<int> tokens, int start, float* x)
    {
        int d = Config.Hidden;
        for (int t = 0; t < tokens.Length; t++)
        {
            var dst = new Span<float>(x + (long)t * d, d);
            System.Numerics.Tensors.TensorPrimitives.Add(_w.Wte.Row(tokens[t]), _w.Wpe.Row(start + t), dst);
        }
    }

    protected override void Block(int layer, int tokens, int start, RunState s, KvCache kv, IMlpHook[]? hooks)
    {
        var L = _w.Layers[layer];
        var c = Config;
        int d = c.Hidden;
        Backend.LayerNorm(s.X.Ptr, s.Xb.Ptr, tokens, d, L.Ln1W, L.Ln1B, c.NormEps);
        Backend.MatMul(s.Xb.Ptr, tokens, L.AttnW, WeightLayout.InOut, L.AttnB, s.Qkv.Ptr);
        SplitQkv(s, tokens);
        kv.Store(layer, start, tokens, s.K.Ptr, s.V.Ptr);
        Backend.Attention(s.Q.Ptr, kv.K(layer), kv.V(layer), s.Att.Ptr, s.Scores.Ptr, tokens, start, c.Heads, c.KvHeads, c.HeadDim, kv.MaxSeq, kv.MaskedKeys);
        Backend.MatMul(s.Att.Ptr, tokens, L.AttnProjW, WeightLayout.InOut, L.AttnProjB, s.Proj.Ptr);
        Residual(s.X.Ptr, s.Proj.Ptr, tokens);

        Backend.LayerNorm(s.X.Ptr, s.Xb.Ptr, tokens, d, L.Ln2W, L.Ln2B, c.NormEps);
        Backend.MatMul(s.Xb.Ptr, tokens, L.FcW, WeightLayout.InOut, L.FcB, s.Hb.Ptr, MatMulEpilogue.GeluTanh);
        if (hooks is not null)
        {
            RunHooks(hooks, layer, start, tokens, s);
        }
        Backend.MatMul(s.Hb.Ptr, tokens, L.MlpProjW, WeightLayout.InOut, L.MlpProjB, s.Proj.Ptr);
        Residual(s.X.Ptr, s.Proj.Ptr, tokens);
    }

    protected override void FinalNorm(float* x, float* y, int rows) =>
        Backend.LayerNorm(x, y, rows, Config.Hidden, _w.LnFW, _w.LnFB, Config.NormEps);

    /// <summary>(T, 3d) [q | k | v] → Q, K, V (T, d) each.</summary>
    private void SplitQkv(RunState s, int tokens)
    {
        int d = Config.Hidden;
        for (int t = 0; t < tokens; t++)
        {
            var row = new ReadOnlySpan<float>(s.Qkv.Ptr + (long)t * 3 * d, 3 * d);
            row[..d].CopyTo(new Span<float>(s.Q.Ptr + (long)t * d, d));
            row.Slice(d, d).CopyTo(new Span<float>(s.K.Ptr + (long)t * d, d));
            row.Slice(2 * d, d).CopyTo(new Span<float>(s.V.Ptr + (long)t * d, d));
        }
    }
}
