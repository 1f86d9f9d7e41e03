using NeuronGuard.Engine.Detectors;
using NeuronGuard.Engine.Scoring;
using static NeuronGuard.Engine.Tests.TestCatalogs;

namespace NeuronGuard.Engine.Tests.Scoring;

public sealed class RequestScorerTests
{
    private readonly MonitorPlan _plan = MonitorPlan.Create(Small(), BaselineFor(Small(), Thresholds(0.5f)));

    [Fact]
    public void Feed_WrongLength_ReturnsErrorAndKeepsState()
    {
        using var s = _plan.Rent();
        Assert.Equal(FrameStatus.WrongLength, s.Feed(0, 2, new float[7]));
        Assert.Equal(FrameStatus.WrongLength, s.Feed(0, 0, []));
        Assert.Equal(0, s.NextStep);
    }

    [Fact]
    public void Feed_NaNOrInfinity_ReturnsNonFiniteAndKeepsState()
    {
        using var s = _plan.Rent();
        Assert.Equal(FrameStatus.NonFinite, s.Feed(0, 1, [9f, 0f, float.NaN, 0f]));
        Assert.Equal(FrameStatus.NonFinite, s.Feed(0, 1, [9f, 0f, float.PositiveInfinity, 0f]));
        Assert.Equal(0, s.NextStep);
        Assert.Equal(0f, s.Results[1].Score);
    }

    [Fact]
    public void Feed_GapOrRepeat_ReturnsOutOfOrder()
    {
        using var s = _plan.Rent();
        Assert.Equal(FrameStatus.OutOfOrder, s.Feed(1, 1, new float[4]));
        Assert.Equal(FrameStatus.Ok, s.Feed(0, 1, new float[4]));
        Assert.Equal(FrameStatus.OutOfOrder, s.Feed(0, 1, new float[4]));
        Assert.Equal(1, s.NextStep);
    }

    [Fact]
    public void Feed_OneBlockOrStepByStep_GiveTheSameVerdict()
    {
        var values = Enumerable.Range(0, 6 * 4).Select(i => MathF.Sin(i * 0.7f) * 2).ToArray();
        using var block = _plan.Rent();
        block.Feed(0, 6, values);
        var expected = block.Results.ToArray();
        using var steps = _plan.Rent();
        for (int t = 0; t < 6; t++)
        {
            steps.Feed(t, 1, values.AsSpan(t * 4, 4));
        }
        Assert.Equal(expected, steps.Results.ToArray());
    }

    [Fact]
    public void Feed_AfterWarmUp_AllocatesNothing()
    {
        using var s = _plan.Rent();
        var frame = new float[] { 1f, 2f, 0.3f, 4f };
        s.Feed(0, 1, frame);
        _ = s.TopNeurons(0);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int t = 1; t < 200; t++)
        {
            frame[0] = t % 7;
            s.Feed(t, 1, frame);
            for (int d = 0; d < s.Results.Length; d++)
            {
                _ = s.TopNeurons(d);
            }
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Rent_AfterDispose_ReusesAResetScorer()
    {
        var first = _plan.Rent();
        first.Feed(0, 1, [5f, 5f, 5f, 5f]);
        first.Dispose();
        using var second = _plan.Rent();
        Assert.Same(first, second);
        Assert.Equal(0, second.NextStep);
        Assert.All(second.Results.ToArray(), r => Assert.Equal(0f, r.Score));
    }

    [Fact]
    public void Results_ListDetectorsPerSetKind()
    {
        using var s = _plan.Rent();
        Assert.Equal(
            [("coverage", DetectorKind.Coverage), ("toxicity:tox", DetectorKind.Toxicity), ("safety:safe", DetectorKind.Safety),
             ("integrity:safe", DetectorKind.Integrity), ("backdoor:bd", DetectorKind.Backdoor)],
            s.Results.ToArray().Select(r => (r.Name, r.Kind)));
    }
}
