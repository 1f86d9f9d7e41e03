namespace NeuronGuard.Engine.Catalogs;

/// <summary>
/// A versioned list of neuron sets for one model (JSON format 1, see <see cref="CatalogJson"/>). The model it
/// belongs to is named by <see cref="ModelShape.Fingerprint"/>; a catalog for another model is refused.
/// </summary>
public sealed record Catalog
{
    /// <summary>The JSON layout version this build reads and writes.</summary>
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;

    public required ModelShape Model { get; init; }

    /// <summary>Free-form version of the catalog's content (baselines record which one they were calibrated for).</summary>
    public required string Version { get; init; }

    public required IReadOnlyList<NeuronSet> Sets { get; init; }

    /// <summary>Sparse probes scored as detectors <c>probe:NAME</c>; null (the key left out) in catalogs without any.</summary>
    public IReadOnlyList<CatalogProbe>? Probes { get; init; }
}

/// <summary>The model a catalog is bound to: its fingerprint (docs/telemetry.md "Model fingerprint") and size.</summary>
public sealed record ModelShape
{
    public required string Fingerprint { get; init; }

    /// <summary>
    /// A loaded model's recipe-1 fingerprint (shapes only), never stored in a catalog: a catalog made before recipe 2
    /// names the model by it and is still accepted for this model during the transition.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? LegacyFingerprint { get; init; }

    /// <summary>
    /// Optional human name of the model ("gpt2-small"), at most <see cref="MaxNameLength"/> characters: the metrics'
    /// <c>model_name</c> label beside the 64-character fingerprint, so dashboards can show what a person reads.
    /// </summary>
    public string? Name { get; init; }

    /// <summary>Longest <see cref="Name"/> accepted, in characters.</summary>
    public const int MaxNameLength = 64;

    public required int Layers { get; init; }

    public required int NeuronsPerLayer { get; init; }
}
