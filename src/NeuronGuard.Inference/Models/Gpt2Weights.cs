using NeuronGuard.Inference.Kernels;
using NeuronGuard.Inference.Loading;

namespace NeuronGuard.Inference.Models;

/// <summary>GPT-2 tensors, shapes checked against config.json. Names may carry a <c>transformer.</c> prefix.</summary>
internal sealed class Gpt2Weights
{
    public required Weight Wte { get; init; }   // (vocab, d)
    public required Weight Wpe { get; init; }   // (positions, d)
    public required Gpt2Layer[] Layers { get; init; }
    public required Weight LnFW { get; init; }  // (d)
    public required Weight LnFB { get; init; }  // (d)

    public static Gpt2Weights Load(TensorStore store, ModelConfig c)
    {
        string p = store.Contains("transformer.wte.weight") ? "transformer." : "";
        long d = c.Hidden;
        long f = c.Intermediate;
        var layers = new Gpt2Layer[c.Layers];
        for (int l = 0; l < c.Layers; l++)
        {
            string n = $"{p}h.{l}.";
            layers[l] = new Gpt2Layer
            {
                Ln1W = store.Get(n + "ln_1.weight", d),
                Ln1B = store.Get(n + "ln_1.bias", d),
                AttnW = store.GetPacked(n + "attn.c_attn.weight", WeightLayout.InOut, d, 3 * d),
                AttnB = store.Get(n + "attn.c_attn.bias", 3 * d),
                AttnProjW = store.GetPacked(n + "attn.c_proj.weight", WeightLayout.InOut, d, d),
                AttnProjB = store.Get(n + "attn.c_proj.bias", d),
                Ln2W = store.Get(n + "ln_2.weight", d),
                Ln2B = store.Get(n + "ln_2.bias", d),
                FcW = store.GetPacked(n + "mlp.c_fc.weight", WeightLayout.InOut, d, f),
                FcB = store.Get(n + "mlp.c_fc.bias", f),
                MlpProjW = store.GetPacked(n + "mlp.c_proj.weight", WeightLayout.InOut, f, d),
                MlpProjB = store.Get(n + "mlp.c_proj.bias", d),
            };
        }
        return new Gpt2Weights
        {
            Wte = store.Get(p + "wte.weight", c.Vocab, d),
            Wpe = store.Get(p + "wpe.weight", c.MaxPositions, d),
            Layers = layers,
            LnFW = store.Get(p + "ln_f.weight", d),
            LnFB = store.Get(p + "ln_f.bias", d),
        };
    }
}

/// <summary>One GPT-2 block; Conv1D weights are (in, out).</summary>
internal sealed class Gpt2Layer
{
    public required Weight Ln1W { get; init; }      // (d)
    public required Weight Ln1B { get; init; }      // (d)
    public required Weight AttnW { get; init; }     // (d, 3d)
    public required Weight AttnB { get; init; }     // (3d)
    public required Weight AttnProjW { get; init; } // (d, d)
    public required Weight AttnProjB { get; init; } // (d)
    public required Weight Ln2W { get; init; }      // (d)
    public required Weight Ln2B { get; init; }      // (d)
    public required Weight FcW { get; init; }       // (d, ffn)
    public required Weight FcB { get; init; }       // (ffn)
    public required Weight MlpProjW { get; init; }  // (ffn, d)
    public required Weight MlpProjB { get; init; }  // (d)
}
