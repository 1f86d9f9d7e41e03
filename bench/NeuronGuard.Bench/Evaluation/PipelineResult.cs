using NeuronGuard.Offline.Evaluation.Baselines;

namespace NeuronGuard.Bench.Evaluation;

/// <summary>One detector's score and flag for one evaluation prompt.</summary>
internal readonly record struct Scored(float Score, bool Flag);

/// <summary>What one run of the pipeline (discovery → calibration → evaluation) measured on one model's weights.</summary>
internal sealed class PipelineResult
{
    public required string Label { get; init; }

    public required string Fingerprint { get; init; }

    /// <summary>Per evaluation split, per column ("catalog/detector", "lr-cat:kind", "lr-all:kind"), one entry per prompt.</summary>
    public Dictionary<string, Dictionary<string, List<Scored>>> Scores { get; } = new();

    public Dictionary<string, int> Sizes { get; } = new();

    public Dictionary<string, IReadOnlyList<SetSizeCandidate>> SizeTables { get; } = new();

    /// <summary>Non-zero weights / columns of each probe ("probe:kind" from train-probe, "lr-cat:kind", "lr-all:kind").</summary>
    public Dictionary<string, string> ProbeNotes { get; } = new();

    public Dictionary<string, double> Seconds { get; } = new();

    /// <summary>Calibrated threshold per "catalog/detector".</summary>
    public Dictionary<string, float> Thresholds { get; } = new();

    public List<float> Column(string split, string column) => Scores[split][column].Select(s => s.Score).ToList();

    public Rate Flagged(string split, string column) => Rate.Count(Scores[split][column], s => s.Flag);

    public AurocEstimate Auroc(string positive, string negative, string column) =>
        AurocInterval.Compute(Column(positive, column), Column(negative, column));

    public void Add(string split, string column, Scored s)
    {
        if (!Scores.TryGetValue(split, out var bySplit))
        {
            Scores[split] = bySplit = new();
        }
        if (!bySplit.TryGetValue(column, out var list))
        {
            bySplit[column] = list = new();
        }
        list.Add(s);
    }
}
