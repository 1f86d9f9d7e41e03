using System.Text.Json.Serialization;

namespace NeuronGuard.Engine.Catalogs;

/// <summary>One named set of neurons of one kind, with where it came from.</summary>
public sealed record NeuronSet
{
    public required string Name { get; init; }

    public required NeuronSetKind Kind { get; init; }

    public required IReadOnlyList<CatalogNeuron> Neurons { get; init; }

    /// <summary>Detect, attenuate or both (the default, left out of the JSON).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public NeuronSetRole Role { get; init; }

    public Provenance? Provenance { get; init; }
}

/// <summary>
/// One neuron of a set. <see cref="Score"/> is its AUROC for the set's behaviour (0–1) when known (for an attenuate set
/// from causal discovery: its causal effect relative to the set's strongest, 0–1); <see cref="Gain"/> is its mitigation
/// gain (AurA α, or 0 for a causal set: the ablation its size was checked with) when one was computed.
/// </summary>
public sealed record CatalogNeuron
{
    public required int Layer { get; init; }

    public required int Index { get; init; }

    public double? Score { get; init; }

    public double? Gain { get; init; }

    /// <summary>What the neuron writes into the vocabulary (<c>neuronguard explain</c>); null when not explained.</summary>
    public NeuronExplanation? Explanation { get; init; }

    [JsonIgnore]
    public NeuronRef Ref => new(Layer, Index);
}

/// <summary>
/// The output tokens a neuron's down-projection column raises most (<see cref="Promotes"/>, strongest first) and
/// lowers most (<see cref="Suppresses"/>, strongest first) through the LM head, decoded with the model's tokenizer;
/// <see cref="Method"/> says how they were computed. It says what the neuron writes, not what makes it fire.
/// </summary>
public sealed record NeuronExplanation
{
    /// <summary>Most tokens kept per list; longer lists are refused (the display shows a handful).</summary>
    public const int MaxTokens = 64;

    /// <summary>Longest token string kept, in characters.</summary>
    public const int MaxTokenLength = 64;

    public required IReadOnlyList<string> Promotes { get; init; }

    public required IReadOnlyList<string> Suppresses { get; init; }

    public required string Method { get; init; }

    /// <summary>Equal by content (a record would compare the lists by reference), so catalogs compare as what they say.</summary>
    public bool Equals(NeuronExplanation? other) =>
        other is not null && Method == other.Method && Promotes.SequenceEqual(other.Promotes) && Suppresses.SequenceEqual(other.Suppresses);

    public override int GetHashCode() => HashCode.Combine(Method, Promotes.Count, Suppresses.Count, Promotes.FirstOrDefault());
}

/// <summary>How a set was found: method (e.g. "aura-auroc"), data it was found on, and the date (ISO 8601).</summary>
public sealed record Provenance
{
    public required string Method { get; init; }

    public required string Data { get; init; }

    public required string Date { get; init; }
}
