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
/// One neuron of a set. <see cref="Score"/> is its AUROC for the set's behaviour (0–1) when known;
/// <see cref="Gain"/> is its mitigation gain (AurA α) when one was computed.
/// </summary>
public sealed record CatalogNeuron
{
    public required int Layer { get; init; }

    public required int Index { get; init; }

    public double? Score { get; init; }

    public double? Gain { get; init; }

    [JsonIgnore]
    public NeuronRef Ref => new(Layer, Index);
}

/// <summary>How a set was found: method (e.g. "aura-auroc"), data it was found on, and the date (ISO 8601).</summary>
public sealed record Provenance
{
    public required string Method { get; init; }

    public required string Data { get; init; }

    public required string Date { get; init; }
}
