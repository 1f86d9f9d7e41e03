using NeuronGuard.Inference.Explaining;

namespace NeuronGuard.Inference.Tests.Explaining;

public sealed class TopTokensTests
{
    [Fact]
    public void Select_KeepsLargestDescendingAndSmallestAscending_TiesToTheLowerId()
    {
        float[] logits = [0.5f, 3f, -2f, 3f, float.NaN, -2f, 1f, -7f];
        var top = new int[3];
        var bottom = new int[3];
        int n = TopTokens.Select(logits, _ => true, top, bottom);
        Assert.Equal(3, n);
        Assert.Equal([1, 3, 6], top);
        Assert.Equal([7, 2, 5], bottom);
    }

    [Fact]
    public void Select_SkipsIneligibleIds_AndReturnsFewerThanKWhenTheRowIsShort()
    {
        float[] logits = [9f, 1f, 5f];
        var top = new int[4];
        var bottom = new int[4];
        int n = TopTokens.Select(logits, id => id != 0, top, bottom);
        Assert.Equal(2, n);
        Assert.Equal([2, 1], top[..n]);
        Assert.Equal([1, 2], bottom[..n]);
    }
}
