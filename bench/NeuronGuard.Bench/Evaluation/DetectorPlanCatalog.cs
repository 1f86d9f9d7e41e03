using NeuronGuard.Engine.Catalogs;

namespace NeuronGuard.Bench.Evaluation;

/// <summary>
/// One catalog of the evaluation and the calibration split it is calibrated on (each detector on benign data of the
/// kind it sees in use): the detectors' sets, with their random-neuron controls and probes beside them when asked.
/// </summary>
internal sealed record DetectorPlanCatalog(string Name, string CalibrationSplit, float TargetFpr, IReadOnlyList<KindSpec> Kinds);

/// <summary>One detector kind: its discovery pair and how its set size is chosen (on discovery data only).</summary>
internal sealed record KindSpec(string Kind, NeuronSetKind SetKind, string DiscPositive, string DiscNegative, bool ChooseSize)
{
    /// <summary>The DiscoverJob default (top 10 when neither --top-k nor --min-auroc is given), used for the backdoor kind.</summary>
    public const int DefaultSize = 10;

    public static readonly KindSpec Toxicity = new("toxicity", NeuronSetKind.Toxicity, "toxic_disc", "toxic_neg_disc", true);
    public static readonly KindSpec Safety = new("safety", NeuronSetKind.Safety, "harmful_disc", "harmless_disc", true);
    public static readonly KindSpec Backdoor = new("backdoor", NeuronSetKind.Backdoor, "trigger_disc", "clean_disc", false);

    public static readonly KindSpec[] All = [Toxicity, Safety, Backdoor];
}
