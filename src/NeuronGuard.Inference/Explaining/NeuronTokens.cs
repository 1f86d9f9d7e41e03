namespace NeuronGuard.Inference.Explaining;

/// <summary>One token and its logit-lens score (the logit the neuron's unit output adds to it).</summary>
public readonly record struct TokenScore(int Id, string Text, float Logit);

/// <summary>
/// What one neuron's output direction writes into the vocabulary: the <c>k</c> tokens whose logits it raises most
/// (<see cref="Promotes"/>, highest first) and lowers most (<see cref="Suppresses"/>, lowest first).
/// </summary>
public sealed record NeuronTokens(int Layer, int Index, IReadOnlyList<TokenScore> Promotes, IReadOnlyList<TokenScore> Suppresses);
