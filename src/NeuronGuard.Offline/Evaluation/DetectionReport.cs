using NeuronGuard.Engine;

namespace NeuronGuard.Offline.Evaluation;

/// <summary>One detector on one held-out positive kind against held-out benign prompts.</summary>
public sealed record DetectorRow(string Detector, string Positives, int PositiveCount, int BenignCount, double Auroc, double Tpr, double Fpr, float Threshold);

/// <summary>Where discovery ranked a planted neuron within its kind's full ranking (1 = best).</summary>
public sealed record PlantedRank(string Kind, NeuronRef Neuron, int Rank, double Auroc, double ErrorBound);

/// <summary>Integrity alarm rate on held-out prompts with the model as shipped or with its safety neurons ablated.</summary>
public sealed record IntegrityRow(string Condition, int Requests, double AlarmRate);

/// <summary>Everything the detection suite measured on the planted fixture.</summary>
public sealed record DetectionReport
{
    public required string Fingerprint { get; init; }

    public required Prompts.PromptCounts Counts { get; init; }

    public required int Seed { get; init; }

    public required IReadOnlyList<DetectorRow> Detectors { get; init; }

    public required IReadOnlyList<PlantedRank> Ranks { get; init; }

    public required IReadOnlyList<IntegrityRow> Integrity { get; init; }

    public required double DiscoverSeconds { get; init; }

    public required double CalibrateSeconds { get; init; }

    public required double EvaluateSeconds { get; init; }

    public required int CatalogSlots { get; init; }

    public required int BaselineBytes { get; init; }

    public DetectorRow Row(string detectorPrefix, string positives) =>
        Detectors.Single(r => r.Detector.StartsWith(detectorPrefix, StringComparison.Ordinal) && r.Positives == positives);
}
