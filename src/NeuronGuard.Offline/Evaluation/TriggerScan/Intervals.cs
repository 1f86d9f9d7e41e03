namespace NeuronGuard.Offline.Evaluation.TriggerScan;

/// <summary>95 % intervals for the evaluation's rates and AUROCs.</summary>
public static class Intervals
{
    /// <summary>Wilson score interval of k successes in n at 95 % (z = 1.96).</summary>
    public static (double Lo, double Hi) Wilson(int k, int n)
    {
        if (n == 0)
        {
            return (0, 1);
        }
        const double z = 1.96;
        double p = (double)k / n, z2 = z * z;
        double center = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = z * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / (1 + z2 / n);
        return (Math.Max(0, center - half), Math.Min(1, center + half));
    }

    /// <summary>Percentile bootstrap 95 % interval of the AUROC, resampling each class (seeded, deterministic).</summary>
    public static (double Lo, double Hi) BootstrapAuroc(IReadOnlyList<float> positive, IReadOnlyList<float> negative, int resamples = 1000, int seed = 17)
    {
        var rng = new Random(seed);
        var values = new double[resamples];
        var pos = new float[positive.Count];
        var neg = new float[negative.Count];
        for (int r = 0; r < resamples; r++)
        {
            for (int i = 0; i < pos.Length; i++)
            {
                pos[i] = positive[rng.Next(pos.Length)];
            }
            for (int i = 0; i < neg.Length; i++)
            {
                neg[i] = negative[rng.Next(neg.Length)];
            }
            values[r] = ScoreAuroc.Compute(pos, neg);
        }
        Array.Sort(values);
        return (values[(int)(0.025 * (resamples - 1))], values[(int)Math.Ceiling(0.975 * (resamples - 1))]);
    }
}
