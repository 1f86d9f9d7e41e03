namespace NeuronGuard.Inference;

/// <summary>What a loaded model is; the daemon keys catalogs and baselines by <see cref="Fingerprint"/>.</summary>
public sealed record ModelInfo
{
    /// <summary><c>GPT2LMHeadModel</c> or <c>LlamaForCausalLM</c>.</summary>
    public required string Architecture { get; init; }

    public required int Layers { get; init; }

    /// <summary>Neurons per layer: the MLP intermediate size.</summary>
    public required int MlpNeurons { get; init; }

    public required int HiddenSize { get; init; }

    public required int Heads { get; init; }

    public required int KvHeads { get; init; }

    public required int VocabSize { get; init; }

    public required int MaxPositions { get; init; }

    /// <summary>
    /// What the weights are (recipe 2, docs/telemetry.md "Model fingerprint"): lowercase hex SHA-256 of the config
    /// lines and one line per tensor (ordinal name order) with its dtype, shape and the XxHash128 of its stored bytes.
    /// Swapped or fine-tuned weights of the same shapes get another fingerprint; the dtype the host converts to at load
    /// does not matter (the stored bytes are hashed). Per-tensor hashes are cached by file size and modification time.
    /// Pinned by a test.
    /// </summary>
    public required string Fingerprint { get; init; }

    /// <summary>
    /// Recipe 1 (config and tensor shapes only), which catalogs and baselines made before recipe 2 are keyed by. The
    /// host sends it in <c>Hello.legacy_fingerprint</c> so the daemon finds those records by alias during the transition.
    /// </summary>
    public string LegacyFingerprint { get; init; } = "";
}
