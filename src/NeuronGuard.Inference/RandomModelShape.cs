namespace NeuronGuard.Inference;

/// <summary>Architectures the fixture maker writes.</summary>
public enum FixtureArchitecture
{
    Gpt2,
    Llama,
}

/// <summary>Element type of written weights.</summary>
public enum FixtureDType
{
    F32,
    F16,
    BF16,
}

/// <summary>
/// Shape of a random-weight model for tests and benchmarks. Weights are uniform with standard deviation
/// <see cref="InitStd"/>; norm gains are 1 ± <see cref="InitStd"/>·√3·5 so they are not trivially 1.
/// </summary>
public sealed record RandomModelShape
{
    public required FixtureArchitecture Architecture { get; init; }
    public required int Layers { get; init; }
    public required int Hidden { get; init; }
    public required int Heads { get; init; }
    public int KvHeads { get; init; }
    public required int Intermediate { get; init; }
    public required int Vocab { get; init; }
    public int MaxPositions { get; init; } = 1024;
    public bool TiedHead { get; init; } = true;
    public float RopeTheta { get; init; } = 500000f;
    public float InitStd { get; init; } = 0.02f;
    public FixtureDType DType { get; init; } = FixtureDType.F32;

    /// <summary>Number of safetensors shards (1 writes model.safetensors, more write an index).</summary>
    public int Shards { get; init; } = 1;

    /// <summary>
    /// GPT-2 small: 12 layers, d=768, 12 heads, 3072 MLP, GPT-2's full 50,257 vocabulary (the LM head is 30%
    /// of the decode work, so a smaller vocabulary would flatter the benchmark).
    /// </summary>
    public static RandomModelShape Gpt2Small => new()
    {
        Architecture = FixtureArchitecture.Gpt2, Layers = 12, Hidden = 768, Heads = 12, Intermediate = 3072, Vocab = 50257, MaxPositions = 1024,
    };

    /// <summary>A ~100M-parameter Llama: 12 layers, d=768, 12 heads / 4 KV heads, 2048 SwiGLU, 32,000 vocab, tied head (100.1M).</summary>
    public static RandomModelShape Llama100M => new()
    {
        Architecture = FixtureArchitecture.Llama, Layers = 12, Hidden = 768, Heads = 12, KvHeads = 4, Intermediate = 2048, Vocab = 32000, MaxPositions = 2048,
    };
}
