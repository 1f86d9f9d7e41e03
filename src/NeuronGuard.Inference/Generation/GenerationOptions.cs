namespace NeuronGuard.Inference;

/// <summary>Decoding settings for <see cref="InferenceSession.Generate(string, GenerationOptions?, Action{GenerationStep}?, CancellationToken)"/>.</summary>
public sealed record GenerationOptions
{
    /// <summary>Tokens to generate at most. Defaults to 64.</summary>
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>0 (the default) is greedy; above 0 samples from softmax(logits / temperature).</summary>
    public float Temperature { get; init; }

    /// <summary>Keep only the k most likely tokens before sampling; 0 (the default) keeps all.</summary>
    public int TopK { get; init; }

    /// <summary>Keep the smallest set of tokens whose probability reaches p; 1 (the default) keeps all.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Seed of the sampler: the same seed, prompt and model give the same tokens. Defaults to 0.</summary>
    public int Seed { get; init; }

    /// <summary>Ids that end generation (not included in the output); null (the default) means the tokenizer's EOS ids.</summary>
    public IReadOnlyCollection<int>? StopTokens { get; init; }

    /// <summary>Prepend the tokenizer's BOS token when it declares one (Llama 3). Defaults to true.</summary>
    public bool AddBos { get; init; } = true;
}
