namespace NeuronGuard.Offline.Evaluation.Baselines;

/// <summary>An AUROC with its 95 % percentile-bootstrap interval and the counts it was measured on.</summary>
public sealed record AurocEstimate(double Auroc, double Low, double High, int Positives, int Negatives)
{
    public override string ToString() => FormattableString.Invariant($"{Auroc:0.000} [{Low:0.000}, {High:0.000}]");
}

/// <summary>
/// The 95 % interval of an AUROC by percentile bootstrap: both classes resampled with replacement
/// <see cref="Resamples"/> times from a fixed seed, so a rerun prints the same interval. Stratified (each class keeps
/// its size) because the evaluation splits fix the class sizes.
/// </summary>
public static class AurocInterval
{
    public const int Resamples = 1000;

    public const int DefaultSeed = 26;

    public static AurocEstimate Compute(IReadOnlyList<float> positive, IReadOnlyList<float> negative, int seed = DefaultSeed)
    {
        double auroc = ScoreAuroc.Compute(positive, negative);
        var rng = new Random(seed);
        var values = new double[Resamples];
        var p = new float[positive.Count];
        var n = new float[negative.Count];
        for (int b = 0; b < Resamples; b++)
        {
            for (int i = 0; i < p.Length; i++)
            {
                p[i] = positive[rng.Next(p.Length)];
            }
            for (int i = 0; i < n.Length; i++)
            {
                n[i] = negative[rng.Next(n.Length)];
            }
            values[b] = ScoreAuroc.Compute(p, n);
        }
        Array.Sort(values);
        return new AurocEstimate(auroc, values[(int)(0.025 * Resamples)], values[(int)(0.975 * Resamples) - 1], positive.Count, negative.Count);
    }
}
