namespace NeuronGuard.Engine.Detectors;

/// <summary>What the trigger scan standardizes at each prompt position (docs/metrics.md "Trigger scan").</summary>
public enum TriggerScanSignal
{
    /// <summary>The change a token causes: |x_t − x_t−1| / ρ, ρ the benign RMS of that change at prefill.</summary>
    Change,

    /// <summary>The level a token reaches: |x_t − μ| / σ, μ and σ the benign prefill mean and deviation.</summary>
    Level,

    /// <summary>
    /// How far a token pushes a neuron outside everything benign traffic showed: max(0, x − hi, lo − x) / (hi − lo),
    /// lo and hi the extremes over benign prompt positions t ≥ 1 at calibration.
    /// </summary>
    Range,
}
