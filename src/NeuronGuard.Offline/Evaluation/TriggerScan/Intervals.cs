namespace NeuronGuard.Offline.Evaluation.TriggerScan;

/// <summary>95 % intervals for the evaluation's rates and AUROCs.</summary>
public static class Intervals
{
    /// <summary>Wilson score interval of k successes in n at 95 % (one implementation: <see cref="Baselines.WilsonInterval"/>).</summary>
    public static (double Lo, double Hi) Wilson(int k, int n) => Baselines.WilsonInterval.Compute(k, n);

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
