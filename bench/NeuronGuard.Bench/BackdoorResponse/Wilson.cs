namespace NeuronGuard.Bench.BackdoorResponse;

/// <summary>The Wilson score interval for a binomial proportion (95 %: z = 1.96); sound at 0 and n successes, unlike the normal approximation.</summary>
internal static class Wilson
{
    public static (double Low, double High) Interval(int successes, int n, double z = 1.96)
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
