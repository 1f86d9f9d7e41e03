using NeuronGuard.Inference.Kernels;
using NeuronGuard.Inference.Loading;

namespace NeuronGuard.Inference.Models;

/// <summary>Llama tensors (nn.Linear layout, (out, in)), shapes checked against config.json.</summary>
internal sealed class LlamaWeights
{
    public required Weight Embed { get; init; }  // (vocab, d)
    public required LlamaLayer[] Layers { get; init; }
    public required Weight Norm { get; init; }   // (d)
    public required Weight Head { get; init; }   // (vocab, d), the embedding when tied

    public static LlamaWeights Load(TensorStore store, ModelConfig c)
    {
        long d = c.Hidden;
        long q = (long)c.Heads * c.HeadDim;
        long kv = (long)c.KvHeads * c.HeadDim;
        long f = c.Intermediate;
        var layers = new LlamaLayer[c.Layers];
        for (int l = 0; l < c.Layers; l++)
        {
            string n = $"model.layers.{l}.";
            layers[l] = new LlamaLayer
            {
                AttnNorm = store.Get(n + "input_layernorm.weight", d),
                Wq = store.GetPacked(n + "self_attn.q_proj.weight", WeightLayout.OutIn, q, d),
                Wk = store.GetPacked(n + "self_attn.k_proj.weight", WeightLayout.OutIn, kv, d),
                Wv = store.GetPacked(n + "self_attn.v_proj.weight", WeightLayout.OutIn, kv, d),
                Wo = store.GetPacked(n + "self_attn.o_proj.weight", WeightLayout.OutIn, d, q),
                MlpNorm = store.Get(n + "post_attention_layernorm.weight", d),
                Gate = store.GetPacked(n + "mlp.gate_proj.weight", WeightLayout.OutIn, f, d),
                Up = store.GetPacked(n + "mlp.up_proj.weight", WeightLayout.OutIn, f, d),
                Down = store.GetPacked(n + "mlp.down_proj.weight", WeightLayout.OutIn, d, f),
            };
        }
        var embed = store.Get("model.embed_tokens.weight", c.Vocab, d);
        bool tied = c.TiedHead || !store.Contains("lm_head.weight");
        if (!c.TiedHead && tied)
        {
            LoadErrors.MissingTensor("lm_head.weight", "the weights (config.json sets tie_word_embeddings false)");
        }
        return new LlamaWeights
        {
            Embed = embed,
            Layers = layers,
            Norm = store.Get("model.norm.weight", d),
            Head = tied ? embed : store.Get("lm_head.weight", c.Vocab, d),
        };
    }
}

/// <summary>One Llama decoder layer.</summary>
internal sealed class LlamaLayer
{
    public required Weight AttnNorm { get; init; } // (d)
    public required Weight Wq { get; init; }       // (heads·hd, d)
    public required Weight Wk { get; init; }       // (kvHeads·hd, d)
    public required Weight Wv { get; init; }       // (kvHeads·hd, d)
    public required Weight Wo { get; init; }       // (d, heads·hd)
    public required Weight MlpNorm { get; init; }  // (d)
    public required Weight Gate { get; init; }     // (ffn, d)
    public required Weight Up { get; init; }       // (ffn, d)
    public required Weight Down { get; init; }     // (d, ffn)
}
