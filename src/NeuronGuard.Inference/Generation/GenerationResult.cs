namespace NeuronGuard.Inference;

/// <summary>Why generation ended.</summary>
public enum StopReason
{
    MaxNewTokens,
    StopToken,
    ContextFull,
}

/// <summary>One generated token, handed to the per-step callback before the next step runs.</summary>
/// <param name="Index">0 for the first generated token.</param>
/// <param name="Position">Position of the token in the sequence (prompt length + Index).</param>
/// <param name="Token">The chosen id.</param>
public readonly record struct GenerationStep(int Index, int Position, int Token);

/// <summary>The outcome of a generation: the prompt ids, the new ids (stop token excluded) and their text.</summary>
public sealed record GenerationResult(int[] PromptTokens, int[] Tokens, string Text, StopReason StopReason);
