using System.Text.Json;

namespace NeuronGuard.Inference.Loading;

/// <summary>Reads <c>config.json</c> into a <see cref="ModelConfig"/>, naming any missing or unsupported field.</summary>
internal static class ConfigReader
{
    public static ModelConfig Read(string dir)
    {
        string path = Path.Combine(dir, "config.json");
        if (!File.Exists(path))
        {
            LoadErrors.Throw($"'{path}' does not exist; a Hugging Face model folder needs config.json beside the weights.");
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"'{path}' is not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            string arch = root.TryGetProperty("architectures", out var a) && a.ValueKind == JsonValueKind.Array && a.GetArrayLength() > 0
                ? a[0].GetString() ?? ""
                : root.TryGetProperty("model_type", out var mt) ? mt.GetString() ?? "" : "";
            return arch switch
            {
                "GPT2LMHeadModel" or "gpt2" => ReadGpt2(root, path),
                "LlamaForCausalLM" or "llama" => ReadLlama(root, path),
                _ => LoadErrors.Throw<ModelConfig>(
                    $"'{path}' names architecture '{arch}'; the built-in host runs GPT2LMHeadModel and LlamaForCausalLM (serve other models from a model server with the telemetry hook)."),
            };
        }
    }

    private static ModelConfig ReadGpt2(JsonElement r, string path)
    {
        int hidden = Int(r, path, "n_embd");
        int heads = Int(r, path, "n_head");
        string act = Str(r, "activation_function") ?? "gelu_new";
        if (act is not ("gelu_new" or "gelu_pytorch_tanh"))
        {
            LoadErrors.Throw($"'{path}' sets activation_function '{act}'; the GPT-2 path implements gelu_new (tanh approximation).");
        }
        return new ModelConfig
        {
            Family = ModelFamily.Gpt2,
            Architecture = "GPT2LMHeadModel",
            Layers = Int(r, path, "n_layer"),
            Hidden = hidden,
            Heads = heads,
            KvHeads = heads,
            HeadDim = hidden / heads,
            Intermediate = OptInt(r, "n_inner") ?? 4 * hidden,
            Vocab = Int(r, path, "vocab_size"),
            MaxPositions = OptInt(r, "n_positions") ?? Int(r, path, "n_ctx"),
            NormEps = (float)(OptDouble(r, "layer_norm_epsilon") ?? 1e-5),
            TiedHead = true,
            EosTokenIds = Ids(r, "eos_token_id"),
            BosTokenId = OptInt(r, "bos_token_id"),
        };
    }

    private static ModelConfig ReadLlama(JsonElement r, string path)
    {
        int hidden = Int(r, path, "hidden_size");
        int heads = Int(r, path, "num_attention_heads");
        string act = Str(r, "hidden_act") ?? "silu";
        if (act != "silu")
        {
            LoadErrors.Throw($"'{path}' sets hidden_act '{act}'; the Llama path implements silu (SwiGLU).");
        }
        if (r.TryGetProperty("attention_bias", out var ab) && ab.ValueKind == JsonValueKind.True)
        {
            LoadErrors.Throw($"'{path}' sets attention_bias true; the Llama path implements bias-free projections only.");
        }
        return new ModelConfig
        {
            Family = ModelFamily.Llama,
            Architecture = "LlamaForCausalLM",
            Layers = Int(r, path, "num_hidden_layers"),
            Hidden = hidden,
            Heads = heads,
            KvHeads = OptInt(r, "num_key_value_heads") ?? heads,
            HeadDim = OptInt(r, "head_dim") ?? hidden / heads,
            Intermediate = Int(r, path, "intermediate_size"),
            Vocab = Int(r, path, "vocab_size"),
            MaxPositions = OptInt(r, "max_position_embeddings") ?? 2048,
            NormEps = (float)(OptDouble(r, "rms_norm_eps") ?? 1e-6),
            RopeTheta = (float)(OptDouble(r, "rope_theta") ?? 10000.0),
            RopeScaling = ReadRopeScaling(r, path),
            TiedHead = r.TryGetProperty("tie_word_embeddings", out var t) && t.ValueKind == JsonValueKind.True,
            EosTokenIds = Ids(r, "eos_token_id"),
            BosTokenId = OptInt(r, "bos_token_id"),
        };
    }

    private static RopeScaling? ReadRopeScaling(JsonElement r, string path)
    {
        if (!r.TryGetProperty("rope_scaling", out var s) || s.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        string type = Str(s, "rope_type") ?? Str(s, "type") ?? "";
        if (type == "default")
        {
            return null;
        }
        if (type != "llama3")
        {
            LoadErrors.Throw($"'{path}' sets rope_scaling type '{type}'; the Llama path implements 'llama3' scaling only.");
        }
        return new RopeScaling(
            (float)(OptDouble(s, "factor") ?? 8),
            (float)(OptDouble(s, "low_freq_factor") ?? 1),
            (float)(OptDouble(s, "high_freq_factor") ?? 4),
            OptInt(s, "original_max_position_embeddings") ?? 8192);
    }

    private static int Int(JsonElement r, string path, string name) =>
        OptInt(r, name) ?? LoadErrors.Throw<int>($"'{path}' lacks the integer field '{name}' that this architecture needs.");

    private static int? OptInt(JsonElement r, string name) =>
        r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;

    private static double? OptDouble(JsonElement r, string name) =>
        r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static string? Str(JsonElement r, string name) =>
        r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int[] Ids(JsonElement r, string name)
    {
        if (!r.TryGetProperty(name, out var v))
        {
            return [];
        }
        return v.ValueKind switch
        {
            JsonValueKind.Number => [v.GetInt32()],
            JsonValueKind.Array => v.EnumerateArray().Select(x => x.GetInt32()).ToArray(),
            _ => [],
        };
    }
}
