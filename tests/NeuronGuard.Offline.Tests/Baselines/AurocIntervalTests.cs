using NeuronGuard.Offline.Evaluation.Baselines;

namespace NeuronGuard.Offline.Tests.Baselines;

public sealed class AurocIntervalTests
{
    [Fact]
    public void Compute_BracketsThePointEstimateAndIsReproducible()
    {
        var rng = new Random(3);
        var pos = Enumerable.Range(0, 200).Select(_ => (float)(rng.NextDouble() + 0.3)).ToList();
        var neg = Enumerable.Range(0, 200).Select(_ => (float)rng.NextDouble()).ToList();
        var a = AurocInterval.Compute(pos, neg);
        Assert.InRange(a.Auroc, a.Low, a.High);
        Assert.True(a.High - a.Low is > 0.02 and < 0.2, $"interval {a}");
        Assert.Equal(a, AurocInterval.Compute(pos, neg));
        Assert.Equal((200, 200), (a.Positives, a.Negatives));
    }

    [Fact]
    public void Compute_PerfectSeparation_IsOneWithoutWidth()
    {
        var a = AurocInterval.Compute([2f, 3f, 4f], [0f, 1f]);
        Assert.Equal((1.0, 1.0, 1.0), (a.Auroc, a.Low, a.High));
    }

    [Fact]
    public void Wilson_MatchesTheTextbookValues()
    {
        var (lo, hi) = WilsonInterval.Compute(0, 300);
        Assert.Equal(0, lo);
        Assert.Equal(0.0126, hi, 0.0005); // 0/300: [0, 1.26 %]
        var r = new Rate(15, 300);
        Assert.Equal(0.05, r.Value);
        Assert.Equal(0.0305, r.Interval.Low, 0.0005);
        Assert.Equal(0.0809, r.Interval.High, 0.0005);
        Assert.Equal("15/300 = 5.0 % [3.1, 8.1]", r.ToString());
    }
}
