using System.Text.Json;
using NeuronGuard.Inference.Loading;

namespace NeuronGuard.Inference.Fixtures;

/// <summary>Writes config.json, random weights and a byte-level tokenizer.json for a <see cref="RandomModelShape"/>.</summary>
internal static class RandomModelWriter
{
    public static void Write(string dir, RandomModelShape shape, int seed)
    {
        Directory.CreateDirectory(dir);
        var rng = new FixtureRandom(seed);
        float std = shape.InitStd;
        Action<Span<float>> W = s => rng.FillUniform(s, std);
        Action<Span<float>> Gain = s => rng.FillUniform(s, std * 5, 1f);
        var specs = shape.Architecture == FixtureArchitecture.Gpt2 ? Gpt2Specs(shape, W, Gain) : LlamaSpecs(shape, W, Gain);
        var dtype = shape.DType switch { FixtureDType.F16 => TensorDType.F16, FixtureDType.BF16 => TensorDType.BF16, _ => TensorDType.F32 };
        SafeTensorsWriter.WriteModel(dir, specs, dtype, shape.Shards);
        var vocab = TokenizerWriter.Write(Path.Combine(dir, "tokenizer.json"), []);
        int eos = vocab[TokenizerWriter.EndOfText];
        if (shape.Vocab <= eos)
        {
            throw new ArgumentException($"vocab {shape.Vocab} is smaller than the byte-level tokenizer ({eos + 1} ids).", nameof(shape));
        }
        WriteConfig(dir, shape, eos);
    }

    private static List<TensorSpec> Gpt2Specs(RandomModelShape s, Action<Span<float>> w, Action<Span<float>> gain)
    {
        long d = s.Hidden;
        long f = s.Intermediate;
        var specs = new List<TensorSpec> { new("wte.weight", [s.Vocab, d], w), new("wpe.weight", [s.MaxPositions, d], w) };
        for (int l = 0; l < s.Layers; l++)
        {
            string n = $"h.{l}.";
            specs.AddRange(
            [
                new(n + "ln_1.weight", [d], gain), new(n + "ln_1.bias", [d], w),
                new(n + "attn.c_attn.weight", [d, 3 * d], w), new(n + "attn.c_attn.bias", [3 * d], w),
                new(n + "attn.c_proj.weight", [d, d], w), new(n + "attn.c_proj.bias", [d], w),
                new(n + "ln_2.weight", [d], gain), new(n + "ln_2.bias", [d], w),
                new(n + "mlp.c_fc.weight", [d, f], w), new(n + "mlp.c_fc.bias", [f], w),
                new(n + "mlp.c_proj.weight", [f, d], w), new(n + "mlp.c_proj.bias", [d], w),
            ]);
        }
        specs.Add(new("ln_f.weight", [d], gain));
        specs.Add(new("ln_f.bias", [d], w));
        return specs;
    }

    private static List<TensorSpec> LlamaSpecs(RandomModelShape s, Action<Span<float>> w, Action<Span<float>> gain)
    {
        long d = s.Hidden;
        long hd = s.Hidden / s.Heads;
        long q = s.Heads * hd;
        long kv = (s.KvHeads == 0 ? s.Heads : s.KvHeads) * hd;
        long f = s.Intermediate;
        var specs = new List<TensorSpec> { new("model.embed_tokens.weight", [s.Vocab, d], w) };
        for (int l = 0; l < s.Layers; l++)
        {
            string n = $"model.layers.{l}.";
            specs.AddRange(
            [
                new(n + "input_layernorm.weight", [d], gain),
                new(n + "self_attn.q_proj.weight", [q, d], w), new(n + "self_attn.k_proj.weight", [kv, d], w),
                new(n + "self_attn.v_proj.weight", [kv, d], w), new(n + "self_attn.o_proj.weight", [d, q], w),
                new(n + "post_attention_layernorm.weight", [d], gain),
                new(n + "mlp.gate_proj.weight", [f, d], w), new(n + "mlp.up_proj.weight", [f, d], w),
                new(n + "mlp.down_proj.weight", [d, f], w),
            ]);
        }
        specs.Add(new("model.norm.weight", [d], gain));
        if (!s.TiedHead)
        {
            specs.Add(new("lm_head.weight", [s.Vocab, d], w));
        }
        return specs;
    }

    private static void WriteConfig(string dir, RandomModelShape s, int eos)
    {
        object config = s.Architecture == FixtureArchitecture.Gpt2
            ? new Dictionary<string, object?>
            {
                ["architectures"] = new[] { "GPT2LMHeadModel" }, ["model_type"] = "gpt2", ["activation_function"] = "gelu_new",
                ["n_embd"] = s.Hidden, ["n_layer"] = s.Layers, ["n_head"] = s.Heads, ["n_inner"] = s.Intermediate,
                ["n_positions"] = s.MaxPositions, ["n_ctx"] = s.MaxPositions, ["vocab_size"] = s.Vocab, ["layer_norm_epsilon"] = 1e-5,
                ["bos_token_id"] = eos, ["eos_token_id"] = eos, ["tie_word_embeddings"] = true, ["torch_dtype"] = DTypeName(s.DType),
            }
            : new Dictionary<string, object?>
            {
                ["architectures"] = new[] { "LlamaForCausalLM" }, ["model_type"] = "llama", ["hidden_act"] = "silu",
                ["hidden_size"] = s.Hidden, ["intermediate_size"] = s.Intermediate, ["num_hidden_layers"] = s.Layers,
                ["num_attention_heads"] = s.Heads, ["num_key_value_heads"] = s.KvHeads == 0 ? s.Heads : s.KvHeads,
                ["max_position_embeddings"] = s.MaxPositions, ["rms_norm_eps"] = 1e-5, ["rope_theta"] = s.RopeTheta,
                ["vocab_size"] = s.Vocab, ["tie_word_embeddings"] = s.TiedHead, ["attention_bias"] = false,
                ["bos_token_id"] = eos, ["eos_token_id"] = eos, ["torch_dtype"] = DTypeName(s.DType),
            };
        File.WriteAllText(Path.Combine(dir, "config.json"), JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true }));
    }

    private static string DTypeName(FixtureDType t) => t switch { FixtureDType.F16 => "float16", FixtureDType.BF16 => "bfloat16", _ => "float32" };
}
