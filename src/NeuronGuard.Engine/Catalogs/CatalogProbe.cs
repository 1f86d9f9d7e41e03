using System.Text.Json.Serialization;
using NeuronGuard.Engine.Probes;

namespace NeuronGuard.Engine.Catalogs;

/// <summary>
/// A sparse probe stored with its catalog (issue 26 item 6), scored live as detector <c>probe:NAME</c>. It carries
/// what <see cref="SparseProbeScorer"/> needs (weights, the trainer's standardization, the bias) but not a threshold:
/// calibration puts that in the baseline, beside every other detector's, so one FPR governs them all.
/// </summary>
public sealed record CatalogProbe
{
    public required string Name { get; init; }

    /// <summary>
    /// The set it was trained over, or null: with a set, every neuron must belong to it (a probe from another catalog
    /// is caught) and the set's mitigation policy applies when the probe flags; without, any neuron of the model.
    /// </summary>
    public string? Set { get; init; }

    public required IReadOnlyList<CatalogProbeNeuron> Neurons { get; init; }

    public required double Bias { get; init; }

    /// <summary>The L1 strength it was trained with; informational.</summary>
    public double? Lambda { get; init; }

    public Provenance? Provenance { get; init; }

    /// <summary>The scorer's view of this probe (threshold left at +∞: the baseline's threshold is applied by the detector).</summary>
    public SparseProbe ToSparseProbe(Catalog catalog) => new()
    {
        Set = Set ?? "", Fingerprint = catalog.Model.Fingerprint, CatalogVersion = catalog.Version, Bias = (float)Bias,
        Lambda = Lambda ?? 0, Data = Provenance?.Data ?? "",
        Neurons = Neurons.Select(n => new ProbeNeuron(n.Ref, (float)n.Weight, (float)n.Mean, (float)n.Scale)).ToList(),
    };

    /// <summary>
    /// A trained probe file attached under <paramref name="name"/>: only its neurons with a non-zero weight are kept
    /// (the others add nothing to the score and need no capture). The file's own threshold is dropped: calibrate.
    /// </summary>
    public static CatalogProbe From(SparseProbe probe, string name, string date) => new()
    {
        Name = name, Set = string.IsNullOrEmpty(probe.Set) ? null : probe.Set, Bias = probe.Bias, Lambda = probe.Lambda,
        Neurons = probe.Neurons.Where(n => n.Weight != 0)
            .Select(n => new CatalogProbeNeuron { Layer = n.Neuron.Layer, Index = n.Neuron.Index, Weight = n.Weight, Mean = n.Mean, Scale = n.Std })
            .ToList(),
        Provenance = new Provenance { Method = "sparse-probe", Data = probe.Data, Date = date },
    };
}

/// <summary>One neuron of a <see cref="CatalogProbe"/>: weight on (running max − <see cref="Mean"/>) / <see cref="Scale"/>.</summary>
public sealed record CatalogProbeNeuron
{
    public required int Layer { get; init; }

    public required int Index { get; init; }

    public required double Weight { get; init; }

    public required double Mean { get; init; }

    /// <summary>The training rows' standard deviation (&gt; 0; the trainer uses 1 for a constant feature).</summary>
    public required double Scale { get; init; }

    [JsonIgnore]
    public NeuronRef Ref => new(Layer, Index);
}
