using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Detectors;

namespace NeuronGuard.Engine.Calibration;

/// <summary>
/// The least threshold calibration gives each detector, so that benign scores that were all 0 (neurons constant on
/// the calibration traffic) do not yield threshold 0, where one odd frame — all zeros, say — flags a request.
/// The floors bind only on such degenerate calibrations: benign max-over-steps scores of moving neurons lie above them.
/// </summary>
public sealed record ThresholdFloors
{
    /// <summary>Floors as documented in docs/metrics.md ("Calibration floors").</summary>
    public static readonly ThresholdFloors Default = new();

    /// <summary>No floors: the raw benign quantile (for tests of the quantile itself).</summary>
    public static readonly ThresholdFloors None = new() { Standardized = 0, Backdoor = 0, Coverage = 0 };

    /// <summary>Toxicity and safety (weighted z at the worst step, in σ). Defaults to 1: a one-σ excursion never flags alone.</summary>
    public float Standardized { get; init; } = 1f;

    /// <summary>
    /// Backdoor and trigger scan (step-to-step change in baseline RMS steps). Defaults to 1: one ordinary step never flags.
    /// </summary>
    public float Backdoor { get; init; } = 1f;

    /// <summary>
    /// Coverage (share of uncovered neuron-steps). Defaults to 0.01; with constant slots, (constant slots + 1) / slots,
    /// so that one step moving every constant neuron off its single benign value, plus one more, is still not a flag.
    /// </summary>
    public float Coverage { get; init; } = 0.01f;

    /// <summary>
    /// The floor for a detector of <paramref name="kind"/>. Integrity has none: its benign score (variance collapse and
    /// mean shift against the baseline) is above 0 on any moving set, so the benign quantile is never degenerate.
    /// </summary>
    public float For(DetectorKind kind, Baseline baseline)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        return kind switch
        {
            DetectorKind.Toxicity or DetectorKind.Safety => Standardized,
            DetectorKind.Backdoor or DetectorKind.TriggerScan => Backdoor,
            DetectorKind.Coverage when Coverage > 0 && ConstantSlots(baseline) is int constant and > 0 =>
                Math.Min(1f, Math.Max(Coverage, (constant + 1f) / baseline.Slots.Count)),
            DetectorKind.Coverage => Coverage,
            _ => 0f,
        };
    }

    /// <summary>Slots whose calibration values were all equal (their coverage range is one point).</summary>
    public static int ConstantSlots(Baseline baseline) => baseline.Slots.Count(s => s.Lo == s.Hi);
}
