using NeuronGuard.Offline.Evaluation;
using NeuronGuard.Offline.Evaluation.Baselines;

namespace NeuronGuard.Offline.Tests.Baselines;

public sealed class LinearProbeTests
{
    /// <summary>Column 3 carries the label, the others are noise: a probe over it separates, a probe over the noise does not.</summary>
    [Fact]
    public void Fit_OverTheInformativeColumn_SeparatesAndOverNoiseDoesNot()
    {
        var rng = new Random(11);
        float[] Row(bool label) => Enumerable.Range(0, 8).Select(j => (float)(rng.NextDouble() + (j == 3 && label ? 1.5 : 0))).ToArray();
        var labels = Enumerable.Range(0, 200).Select(i => i % 2 == 0).ToList();
        var rows = labels.Select(Row).ToList();
        var testLabels = Enumerable.Range(0, 200).Select(i => i % 2 == 0).ToList();
        var test = testLabels.Select(Row).ToList();
        double Auroc(LinearProbe p) => ScoreAuroc.Compute(
            test.Where((_, i) => testLabels[i]).Select(p.Score).ToList(), test.Where((_, i) => !testLabels[i]).Select(p.Score).ToList());

        var informative = LinearProbe.Fit(rows, labels, [0, 3, 5], lambda: 0.01);
        var noise = LinearProbe.Fit(rows, labels, [0, 1, 2], lambda: 0.01);
        Assert.True(Auroc(informative) > 0.95, $"informative {Auroc(informative):F3}");
        Assert.InRange(Auroc(noise), 0.35, 0.65);
        Assert.Equal(3, informative.Columns);
    }

    [Fact]
    public void Fit_WithNoColumns_SaysSo() =>
        Assert.Contains("at least one column", Assert.Throws<ArgumentException>(() => LinearProbe.Fit([[1f], [2f]], [true, false], [], 0.01)).Message);

    [Fact]
    public void SetSizeRule_PrefersTheSmallestSizeNearTheBest()
    {
        var rng = new Random(5);
        // 6 informative columns of 120: every candidate ≥ 5 sees them, so the smallest (5) is within tolerance or best.
        float[] Row(bool label) => Enumerable.Range(0, 120).Select(j => (float)(rng.NextDouble() + (j < 6 && label ? 2 : 0))).ToArray();
        var pos = Enumerable.Range(0, 60).Select(_ => Row(true)).ToList();
        var neg = Enumerable.Range(0, 60).Select(_ => Row(false)).ToList();
        var (size, table) = SetSizeRule.Choose(pos, neg);
        Assert.Equal(SetSizeRule.Candidates.Length, table.Count);
        Assert.Equal(5, size);
        Assert.True(table[0].FoldAuroc > 0.95);
    }
}
