namespace NeuronGuard.Engine.Detectors;

/// <summary>Scoring settings shared by calibration and live scoring (they must match, so both read this).</summary>
public sealed record DetectorOptions
{
    /// <summary>Top contributing neurons reported per detector. Defaults to 5.</summary>
    public int TopNeurons { get; init; } = 5;

    /// <summary>
    /// Smallest standard deviation (and step-change RMS) used to standardize: a neuron that never moved on benign
    /// data would otherwise divide by zero. Defaults to 1e-4.
    /// </summary>
    public float StdFloor { get; init; } = 1e-4f;

    /// <summary>The backdoor detector looks at steps 0 … Window − 1 only (NaviDet: the first steps). Defaults to 32.</summary>
    public int BackdoorWindow { get; init; } = 32;

    /// <summary>The integrity alarm needs at least this many steps before a neuron counts as constant. Defaults to 4.</summary>
    public int IntegrityMinSteps { get; init; } = 4;

    /// <summary>
    /// The trigger scan scores prompt positions 0 … this − 1 only: its per-request buffers are sized by it, so scoring
    /// allocates nothing. Defaults to 4096 (longer prompts are scanned over their first 4096 tokens).
    /// </summary>
    public int TriggerScanMaxPositions { get; init; } = 4096;

    /// <summary>
    /// The trigger scan averages the m largest standardized changes of a position (m = this, at most the set size).
    /// Defaults to 16: chosen on the discovery split of tests/models/trained-gpt2 (bench/results/trigger-scan.md).
    /// </summary>
    public int TriggerScanTopM { get; init; } = 16;

    /// <summary>
    /// What the trigger scan standardizes per prompt position. Defaults to <see cref="TriggerScanSignal.Range"/>:
    /// chosen on the discovery split of tests/models/trained-gpt2 (bench/results/trigger-scan.md).
    /// </summary>
    public TriggerScanSignal TriggerScanSignal { get; init; } = TriggerScanSignal.Range;
}
