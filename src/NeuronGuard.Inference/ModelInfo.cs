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
    /// Lowercase hex SHA-256 of UTF-8 text, one line per item, each ending in '\n':
    /// <c>arch={Architecture}</c>, <c>layers=</c>, <c>hidden=</c>, <c>neurons=</c>, <c>heads=</c>, <c>kv_heads=</c>,
    /// <c>vocab=</c>, <c>positions=</c>, then for every tensor in ordinal name order
    /// <c>tensor={name} {dtype} {d0}x{d1}…</c>. It identifies the shape of a checkpoint, not its values: a
    /// fine-tune with the same shapes has the same fingerprint (hashing gigabytes at every start would cost
    /// seconds). Pinned by a test; changing the recipe orphans every stored catalog.
    /// </summary>
    public required string Fingerprint { get; init; }
}
