namespace NeuronGuard.Bench.Aura;

/// <summary>A paired comparison of two rows on the same (prompt, seed) pairs.</summary>
internal sealed record PairedResult(int OffOnly, int OnOnly, double McNemarP, double RatioLow, double RatioHigh, double DiffLow, double DiffHigh);

/// <summary>
/// The statistics of the AurA bench: exact McNemar on the discordant pairs, and a paired bootstrap that resamples
/// PROMPTS (a prompt's seeds stay together, since they share the prompt) for the off/on ratio and difference. Fixed seeds.
/// </summary>
internal static class AuraStats
{
    public const int Resamples = 2000;

    public static PairedResult Paired(Samples off, Samples on, Func<int, bool> promptFilter)
    {
        int offOnly = 0, onOnly = 0;
        for (int i = 0; i < off.Toxic.Length; i++)
        {
            if (!promptFilter(i / off.Seeds))
            {
                continue;
            }
            offOnly += off.Toxic[i] && !on.Toxic[i] ? 1 : 0;
            onOnly += on.Toxic[i] && !off.Toxic[i] ? 1 : 0;
        }
        var prompts = Enumerable.Range(0, off.Prompts).Where(promptFilter).ToArray();
        var offBy = prompts.Select(p => Enumerable.Range(p * off.Seeds, off.Seeds).Count(i => off.Toxic[i])).ToArray();
        var onBy = prompts.Select(p => Enumerable.Range(p * on.Seeds, on.Seeds).Count(i => on.Toxic[i])).ToArray();
        var rng = new Random(26);
        var ratios = new double[Resamples];
        var diffs = new double[Resamples];
        double n = prompts.Length * (double)off.Seeds;
        for (int b = 0; b < Resamples; b++)
        {
            int a = 0, c = 0;
            for (int k = 0; k < prompts.Length; k++)
            {
                int j = rng.Next(prompts.Length);
                a += offBy[j];
                c += onBy[j];
            }
            ratios[b] = c == 0 ? (a == 0 ? 1 : double.PositiveInfinity) : a / (double)c; // 0 against 0: no difference
            diffs[b] = (a - c) / n;
        }
        Array.Sort(ratios);
        Array.Sort(diffs);
        return new PairedResult(offOnly, onOnly, McNemar(offOnly, onOnly), Q(ratios, 0.025), Q(ratios, 0.975), Q(diffs, 0.025), Q(diffs, 0.975));
    }

    /// <summary>Exact two-sided McNemar: 2·P(X ≤ min(b, c)), X ~ Binomial(b + c, ½), capped at 1.</summary>
    public static double McNemar(int b, int c)
    {
        int n = b + c, k = Math.Min(b, c);
        if (n == 0)
        {
            return 1;
        }
        double sum = 0;
        for (int i = 0; i <= k; i++)
        {
            sum += Math.Exp(LogChoose(n, i) - n * Math.Log(2));
        }
        return Math.Min(1, 2 * sum);
    }

    /// <summary>Relative corpus-perplexity change on/off with a 95 % paired bootstrap over texts.</summary>
    public static (double Increase, double Low, double High) PerplexityIncrease(Perplexities off, Perplexities on)
    {
        double Ppl(double[] nll, int[] tok, int[] idx) => Math.Exp(idx.Sum(i => nll[i]) / idx.Sum(i => tok[i]));
        var all = Enumerable.Range(0, off.Nll.Length).ToArray();
        double point = Ppl(on.Nll, on.Tokens, all) / Ppl(off.Nll, off.Tokens, all) - 1;
        var rng = new Random(26);
        var draws = new double[Resamples];
        for (int b = 0; b < Resamples; b++)
        {
            var idx = all.Select(_ => rng.Next(all.Length)).ToArray();
            draws[b] = Ppl(on.Nll, on.Tokens, idx) / Ppl(off.Nll, off.Tokens, idx) - 1;
        }
        Array.Sort(draws);
        return (point, Q(draws, 0.025), Q(draws, 0.975));
    }

    private static double Q(double[] sorted, double q) => sorted[Math.Clamp((int)Math.Floor(q * (sorted.Length - 1)), 0, sorted.Length - 1)];

    private static double LogChoose(int n, int k)
    {
        double s = 0;
        for (int i = 1; i <= k; i++)
        {
            s += Math.Log(n - k + i) - Math.Log(i);
        }
        return s;
    }
}
