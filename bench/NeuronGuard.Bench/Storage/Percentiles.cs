namespace NeuronGuard.Bench.Storage;

/// <summary>Nearest-rank percentiles of a sample of milliseconds.</summary>
internal static class Percentiles
{
    public static double Of(IReadOnlyList<double> sample, double p)
    {
        var sorted = sample.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
