namespace NeuronGuard.Offline.Evaluation.Baselines;

/// <summary>One candidate set size and its two-fold discovery AUROC.</summary>
public sealed record SetSizeCandidate(int Size, double FoldAuroc);

/// <summary>
/// Chooses a detector's set size on discovery data only (issue 26 item 2), by a rule fixed before any evaluation:
/// split the discovery prompts of each class into even and odd lines; on one half rank every neuron by the AUROC of
/// its pooled max, keep the top k, and score the other half with the detectors' formula applied to pooled values
/// (Σ w_i·(x_i − μ_i)/σ_i, w_i = max(0, 2·AUROC_i − 1) normalized, μ and σ from that half's negatives); average the
/// two folds' AUROC. The smallest k within <see cref="Tolerance"/> of the best wins (fewer neurons to stream).
/// </summary>
public static class SetSizeRule
{
    public static readonly int[] Candidates = [5, 10, 20, 50, 100];

    public const double Tolerance = 0.005;

    public static (int Size, IReadOnlyList<SetSizeCandidate> Table) Choose(IReadOnlyList<float[]> positive, IReadOnlyList<float[]> negative)
    {
        var folds = new[] { 0, 1 }.Select(f => (
            TrainPos: Half(positive, f), TrainNeg: Half(negative, f), TestPos: Half(positive, 1 - f), TestNeg: Half(negative, 1 - f))).ToArray();
        var ranked = folds.Select(f => Rank(f.TrainPos, f.TrainNeg)).ToArray();
        var table = Candidates.Select(k => new SetSizeCandidate(k, folds.Select((f, i) =>
        {
            var top = ranked[i].Take(k).ToArray();
            var (mean, std) = Stats(f.TrainNeg, top.Select(t => t.Column).ToArray());
            float Score(float[] row) => (float)top.Select((t, j) => t.Weight * (row[t.Column] - mean[j]) / std[j]).Sum();
            return ScoreAuroc.Compute(f.TestPos.Select(Score).ToList(), f.TestNeg.Select(Score).ToList());
        }).Average())).ToList();
        double best = table.Max(c => c.FoldAuroc);
        return (table.First(c => c.FoldAuroc >= best - Tolerance).Size, table);
    }

    /// <summary>Per-column AUROC of pooled values, best first, with the detectors' normalized weights.</summary>
    public static (int Column, double Auroc, double Weight)[] Rank(IReadOnlyList<float[]> positive, IReadOnlyList<float[]> negative)
    {
        int d = positive[0].Length;
        var auroc = new double[d];
        var p = new float[positive.Count];
        var n = new float[negative.Count];
        for (int j = 0; j < d; j++)
        {
            for (int i = 0; i < p.Length; i++)
            {
                p[i] = positive[i][j];
            }
            for (int i = 0; i < n.Length; i++)
            {
                n[i] = negative[i][j];
            }
            auroc[j] = ScoreAuroc.Compute(p, n);
        }
        var order = Enumerable.Range(0, d).OrderByDescending(j => auroc[j]).ThenBy(j => j).ToArray();
        return order.Select(j => (j, auroc[j], Math.Max(0, 2 * auroc[j] - 1))).ToArray();
    }

    private static List<float[]> Half(IReadOnlyList<float[]> rows, int parity) => rows.Where((_, i) => i % 2 == parity).ToList();

    private static (double[] Mean, double[] Std) Stats(List<float[]> rows, int[] columns)
    {
        var mean = columns.Select(c => rows.Average(r => (double)r[c])).ToArray();
        var std = columns.Select((c, j) => Math.Max(1e-4, Math.Sqrt(rows.Average(r => (r[c] - mean[j]) * (r[c] - mean[j]))))).ToArray();
        return (mean, std);
    }
}
