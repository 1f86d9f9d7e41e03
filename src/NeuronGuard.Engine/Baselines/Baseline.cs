namespace NeuronGuard.Engine.Baselines;

/// <summary>
/// What normal looks like for one catalog on one model: per-slot statistics of in-distribution activations and
/// each detector's calibrated threshold. Stored as the compact binary of <see cref="BaselineFormat"/>.
/// </summary>
public sealed record Baseline
{
    public required string Fingerprint { get; init; }

    public required string CatalogVersion { get; init; }

    /// <summary>Coverage histogram bins per slot (B).</summary>
    public required int Bins { get; init; }

    /// <summary>A bin is covered when it holds at least this share of the slot's calibration mass (r).</summary>
    public required float MassThreshold { get; init; }

    /// <summary>The false-positive rate the thresholds were set for.</summary>
    public required float TargetFpr { get; init; }

    /// <summary>Per slot, in the catalog's slot order.</summary>
    public required IReadOnlyList<SlotBaseline> Slots { get; init; }

    public required IReadOnlyList<DetectorCalibration> Detectors { get; init; }

    /// <summary>
    /// Which integrity score the integrity thresholds were calibrated for: 2 (variance collapse and mean drop, format 2)
    /// or 1 (exactly constant neurons, format 1 baselines). A recipe-1 baseline keeps its old integrity detector until
    /// it is recalibrated, so a stored baseline never alarms on every request after an upgrade.
    /// </summary>
    public int IntegrityRecipe { get; init; } = 2;
}

/// <summary>
/// One slot's in-distribution statistics: mean and standard deviation of its activation, root-mean-square of its
/// step-to-step change (step 0 measured from the mean), and a histogram over [Lo, Hi] as u16-quantized mass
/// (count / total · 65535, rounded).
/// </summary>
public sealed record SlotBaseline(NeuronRef Neuron, float Mean, float Std, float DeltaRms, float Lo, float Hi, ushort[] Mass)
{
    /// <summary>Statistics over benign prompt positions at prefill (format 3); null in older baselines.</summary>
    public PrefillStats? Prefill { get; init; }
}

/// <summary>
/// One slot at prefill, over benign prompt positions t ≥ 1 (position 0, a sequence start, is left out): mean and
/// standard deviation of the activation, root-mean-square of the change from the previous position x_t − x_t−1, and
/// the range [Lo, Hi] of the activation. What the trigger scan measures a prompt token against.
/// </summary>
public readonly record struct PrefillStats(float Mean, float Std, float DeltaRms, float Lo, float Hi);

/// <summary>
/// A detector's benign score distribution: its threshold (flag when score &gt; threshold) and score quantiles
/// as (level, value) pairs, e.g. (0.99, 1.7).
/// </summary>
public sealed record DetectorCalibration(string Name, float Threshold, IReadOnlyList<(float Level, float Value)> Quantiles);
