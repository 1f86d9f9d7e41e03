namespace NeuronGuard.Offline.Evaluation.Baselines;

/// <summary>A rate with its counts and 95 % Wilson interval (sound at 0 and n, unlike the normal approximation).</summary>
public sealed record Rate(int Hits, int Total)
{
    public double Value => Total == 0 ? 0 : (double)Hits / Total;

    public (double Low, double High) Interval => WilsonInterval.Compute(Hits, Total);

    public override string ToString() =>
        FormattableString.Invariant($"{Hits}/{Total} = {100 * Value:0.0} % [{100 * Interval.Low:0.0}, {100 * Interval.High:0.0}]");

    public static Rate Count<T>(IReadOnlyCollection<T> items, Func<T, bool> hit) => new(items.Count(hit), items.Count);
}

/// <summary>The Wilson score interval for a binomial proportion (z = 1.96 for 95 %).</summary>
public static class WilsonInterval
{
    public static (double Low, double High) Compute(int successes, int n, double z = 1.96)
    {
        if (n == 0)
        {
            return (0, 1);
        }
        double p = (double)successes / n, z2 = z * z;
        double center = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = z * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / (1 + z2 / n);
        return (Math.Max(0, center - half), Math.Min(1, center + half));
    }
}
