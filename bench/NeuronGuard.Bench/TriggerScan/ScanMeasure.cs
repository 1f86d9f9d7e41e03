using NeuronGuard.Offline.Evaluation;
using NeuronGuard.Offline.Evaluation.TriggerScan;
using static NeuronGuard.Bench.Trained.TrainedReport;

namespace NeuronGuard.Bench.TriggerScan;

/// <summary>The figures of one scan configuration on one positive/negative pair of splits, with their 95 % intervals.</summary>
internal sealed record ScanMeasure(double Auroc, (double Lo, double Hi) AurocCi, int Flagged, int Positives, int FalseFlags, int Negatives)
{
    public static ScanMeasure Of(IReadOnlyList<float> pos, IReadOnlyList<bool> posFlag, IReadOnlyList<float> neg, IReadOnlyList<bool> negFlag, bool intervals = true) => new(
        ScoreAuroc.Compute(pos, neg), intervals ? Intervals.BootstrapAuroc(pos, neg) : (double.NaN, double.NaN),
        posFlag.Count(f => f), pos.Count, negFlag.Count(f => f), neg.Count);

    public static ScanMeasure Of(List<ScanOutcome> pos, List<ScanOutcome> neg, bool intervals = true) =>
        Of(pos.Select(o => o.Score).ToList(), pos.Select(o => o.Flag).ToList(), neg.Select(o => o.Score).ToList(), neg.Select(o => o.Flag).ToList(), intervals);

    public double Tpr => (double)Flagged / Positives;

    public double Fpr => (double)FalseFlags / Negatives;

    public string AurocText => double.IsNaN(AurocCi.Lo) ? Inv($"{Auroc:0.000}") : Inv($"{Auroc:0.000} [{AurocCi.Lo:0.000}, {AurocCi.Hi:0.000}]");

    public string TprText => Rate(Flagged, Positives);

    public string FprText => Rate(FalseFlags, Negatives);

    public static string Rate(int k, int n)
    {
        var (lo, hi) = Intervals.Wilson(k, n);
        return Inv($"{Pct((double)k / n)} [{lo * 100:0.0}, {hi * 100:0.0}] ({k}/{n})");
    }
}
