namespace NeuronGuard.Bench.BackdoorResponse;

/// <summary>The Wilson score interval (95 %: z = 1.96) the backdoor benches print; the one implementation is the Offline evaluation's.</summary>
internal static class Wilson
{
    public static (double Low, double High) Interval(int successes, int n, double z = 1.96) =>
        NeuronGuard.Offline.Evaluation.Baselines.WilsonInterval.Compute(successes, n, z);
}
