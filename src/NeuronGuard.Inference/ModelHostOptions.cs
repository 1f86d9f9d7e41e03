namespace NeuronGuard.Inference;

/// <summary>How the built-in host runs a model. One setting, one property, default beside it.</summary>
public sealed class ModelHostOptions
{
    /// <summary>
    /// CPU threads for matmuls and attention (the benchmark matches PyTorch's <c>torch.set_num_threads</c> to it).
    /// Defaults to <see cref="Environment.ProcessorCount"/>.
    /// </summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Largest context a session may hold: sizes the KV cache and the RoPE table. Defaults to 2,048, capped by the
    /// model's max positions (Llama configs declare up to 131,072, whose cache would not fit a small machine).
    /// </summary>
    public int MaxContextTokens { get; init; } = 2048;
}
