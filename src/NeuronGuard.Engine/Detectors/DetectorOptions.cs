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
}
