namespace NeuronGuard.Engine.Calibration;

/// <summary>How a baseline is built. One setting, one property, default beside it.</summary>
public sealed record CalibrationOptions
{
    /// <summary>
    /// Coverage histogram bins per neuron (B). Defaults to 32: with a few thousand calibration steps per neuron
    /// that leaves ~100 values per bin where the mass is, so covered bins are stable across benign samples.
    /// </summary>
    public int Bins { get; init; } = 32;

    /// <summary>
    /// A bin is covered when it holds at least this share of the neuron's calibration mass (r). Defaults to 0.001
    /// (NAC's "at least r of the mass"): bins seen once or twice in a thousand are treated as noise.
    /// </summary>
    public float MassThreshold { get; init; } = 0.001f;

    /// <summary>Alert thresholds sit at this false-positive rate on the held-out benign part. Defaults to 0.01.</summary>
    public float TargetFpr { get; init; } = 0.01f;

    /// <summary>Share of the benign data held out to set thresholds (never used for statistics). Defaults to 0.3.</summary>
    public double HoldoutFraction { get; init; } = 0.3;
}
