using NeuronGuard.Offline.Evaluation.Baselines;

namespace NeuronGuard.Offline.Tests.Baselines;

public sealed class RandomNeuronSetsTests
{
    [Fact]
    public void Draw_IsSeededDistinctSortedAndInRange()
    {
        var a = RandomNeuronSets.Draw(10, 4, 1024, 12, seed: 7);
        var b = RandomNeuronSets.Draw(10, 4, 1024, 12, seed: 7);
        Assert.Equal(12, a.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i], b[i]);
            Assert.Equal(10, a[i].Distinct().Count());
            Assert.All(a[i], n => Assert.True(n.Layer is >= 0 and < 4 && n.Index is >= 0 and < 1024));
            Assert.Equal(a[i].OrderBy(n => n.Layer).ThenBy(n => n.Index), a[i]);
        }
        Assert.NotEqual(a[0], a[1]);
        Assert.NotEqual(a[0], RandomNeuronSets.Draw(10, 4, 1024, 1, seed: 8)[0]);
    }

    [Fact]
    public void Draw_CoversEveryLayerOverManyDraws()
    {
        var layers = RandomNeuronSets.Draw(5, 4, 16, 50, seed: 1).SelectMany(s => s).Select(n => n.Layer).Distinct().Count();
        Assert.Equal(4, layers);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(65, 1)]
    [InlineData(5, 0)]
    public void Draw_OutOfRange_Throws(int size, int draws) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => RandomNeuronSets.Draw(size, 4, 16, draws, seed: 1));

    [Fact]
    public void RangeSummary_HasMeanMinMax()
    {
        var s = RangeSummary.Of([0.5, 0.7, 0.6]);
        Assert.Equal(0.6, s.Mean, 9);
        Assert.Equal((0.5, 0.7, 3), (s.Min, s.Max, s.Count));
    }
}
