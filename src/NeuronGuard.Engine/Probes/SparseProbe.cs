namespace NeuronGuard.Engine.Probes;

/// <summary>One neuron of a sparse probe: its weight and the mean and std that standardize its pooled value.</summary>
public readonly record struct ProbeNeuron(NeuronRef Neuron, float Weight, float Mean, float Std);

/// <summary>
/// A sparse probe (issue 26 item 6): an L1-regularised logistic regression over the catalogued neurons of one set.
/// With m_i,t = max over steps u ≤ t of neuron i's value (at a request's last step, the per-prompt max it was trained
/// on, the statistic AurA discovery pools), z_i,t = (m_i,t − μ_i) / σ_i, the log-odds of the positive class at step t
/// is s_t = b + Σ_i w_i·z_i,t, and the score is max_t s_t; flag when score &gt; <see cref="Threshold"/>, set on benign
/// requests at <see cref="TargetFpr"/> (nearest-rank quantile, as <see cref="Calibration.ThresholdCalibrator"/> does).
/// The L1 term (λ = <see cref="Lambda"/>) leaves most weights at exactly 0, so a probe names the neurons it uses.
/// </summary>
public sealed record SparseProbe
{
    /// <summary>Catalog set the probe reads (its neurons are a subset of the set's, in catalog order).</summary>
    public required string Set { get; init; }

    /// <summary>Model fingerprint and catalog version the probe was trained against.</summary>
    public required string Fingerprint { get; init; }

    public required string CatalogVersion { get; init; }

    public required IReadOnlyList<ProbeNeuron> Neurons { get; init; }

    public required float Bias { get; init; }

    public required double Lambda { get; init; }

    /// <summary>Flag above this score (log-odds); +∞ while uncalibrated.</summary>
    public float Threshold { get; init; } = float.PositiveInfinity;

    public float TargetFpr { get; init; }

    /// <summary>Where the labelled prompts came from (free text, like a catalog set's provenance.data).</summary>
    public string Data { get; init; } = "";

    /// <summary>Neurons with a non-zero weight.</summary>
    public int NonZero => Neurons.Count(n => n.Weight != 0);
}
