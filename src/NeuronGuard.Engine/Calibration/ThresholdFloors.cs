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

    /// <summary>Backdoor (weighted step-to-step change in baseline RMS steps). Defaults to 1: one ordinary step never flags.</summary>
    public float Backdoor { get; init; } = 1f;

    /// <summary>
    /// Trigger scan. Defaults to 0: its default signal (<see cref="Detectors.TriggerScanSignal.Range"/>) is 0 wherever
    /// every watched neuron stays inside its benign range, so a benign quantile of 0 is not degenerate: it means "flag a
    /// token that pushes neurons outside everything benign traffic showed", which held-out benign requests did at most
    /// at the target rate.
    /// </summary>
    public float TriggerScan { get; init; }

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
            DetectorKind.Backdoor => Backdoor,
            DetectorKind.TriggerScan => TriggerScan,
            DetectorKind.Coverage when Coverage > 0 && ConstantSlots(baseline) is int constant and > 0 =>
                Math.Min(1f, Math.Max(Coverage, (constant + 1f) / baseline.Slots.Count)),
            DetectorKind.Coverage => Coverage,
            _ => 0f,
        };
    }

    /// <summary>Slots whose calibration values were all equal (their coverage range is one point).</summary>
    public static int ConstantSlots(Baseline baseline) => baseline.Slots.Count(s => s.Lo == s.Hi);
}
