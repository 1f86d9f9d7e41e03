namespace NeuronGuard.Offline.Prompts;

/// <summary>How many prompts each split gets. Defaults are the bench's; the test uses smaller ones.</summary>
public sealed record PromptCounts
{
    /// <summary>Per positive kind (toxic, triggered, harmful) for discovery. Defaults to 150.</summary>
    public int DiscoveryPositive { get; init; } = 150;

    /// <summary>Benign negatives for discovery. Defaults to 300.</summary>
    public int DiscoveryBenign { get; init; } = 300;

    /// <summary>Benign texts for calibration (statistics plus threshold holdout). Defaults to 1,000.</summary>
    public int CalibrationBenign { get; init; } = 1000;

    /// <summary>Per positive kind, held out for evaluation. Defaults to 200.</summary>
    public int HeldOutPositive { get; init; } = 200;

    /// <summary>Benign texts held out for evaluation (false-positive rate). Defaults to 1,000.</summary>
    public int HeldOutBenign { get; init; } = 1000;
}
