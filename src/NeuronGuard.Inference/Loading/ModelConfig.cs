namespace NeuronGuard.Inference.Loading;

/// <summary>The architecture families the host runs.</summary>
internal enum ModelFamily
{
    Gpt2,
    Llama,
}

/// <summary>
/// The dimensions read from <c>config.json</c>, normalised across GPT-2 and Llama key names
/// (llama2.c <c>Config</c>). Immutable once loaded.
/// </summary>
internal sealed record ModelConfig
{
    public required ModelFamily Family { get; init; }

    /// <summary>The <c>architectures[0]</c> string, e.g. <c>GPT2LMHeadModel</c>.</summary>
    public required string Architecture { get; init; }

    public required int Layers { get; init; }

    public required int Hidden { get; init; }

    public required int Heads { get; init; }

    public required int KvHeads { get; init; }

    public required int HeadDim { get; init; }

    /// <summary>MLP width: neurons per layer.</summary>
    public required int Intermediate { get; init; }

    public required int Vocab { get; init; }

    public required int MaxPositions { get; init; }

    public required float NormEps { get; init; }

    public float RopeTheta { get; init; } = 10000f;

    /// <summary>Llama 3.1 style <c>rope_scaling</c> (type "llama3"), or null.</summary>
    public RopeScaling? RopeScaling { get; init; }

    public bool TiedHead { get; init; } = true;

    public int[] EosTokenIds { get; init; } = [];

    public int? BosTokenId { get; init; }
}

/// <summary>Llama 3.1 frequency scaling parameters from <c>config.json</c>.</summary>
internal sealed record RopeScaling(float Factor, float LowFreqFactor, float HighFreqFactor, int OriginalMaxPositions);
