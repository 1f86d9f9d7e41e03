using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Scoring;
using static NeuronGuard.Engine.Tests.TestCatalogs;

namespace NeuronGuard.Engine.Tests.Scoring;

/// <summary>
/// The flag rule is score &gt; threshold for every detector: a score exactly at its threshold does not flag, the next
/// float above does. And a pooled scorer carries nothing from one request into the next.
/// </summary>
public sealed class FlagBoundaryTests
{
    // Steps chosen so every detector scores above zero: tox and backdoor jump, coverage sees an out-of-range value,
    // the safety neuron stays constant for the integrity detector's minimum steps.
    private static readonly float[] Request =
    [
        0.3f, 0f, 2f, 0.1f,
        1.2f, 0.4f, 2f, 2.5f,
        0.2f, 0.9f, 2f, 0.3f,
        0.1f, 0f, 2f, 0.2f,
    ];

    [Fact]
    public void Flag_ScoreExactlyAtThreshold_DoesNotFlag_NextFloatDoes()
    {
        var scores = Score(MonitorPlan.Create(Small(), BaselineFor(Small(), Thresholds(0.5f))), Request);
        Assert.All(scores, s => Assert.True(s.Score > 0, $"{s.Name} scored {s.Score}: the request must move every detector"));

        var at = MonitorPlan.Create(Small(), BaselineFor(Small(), scores.Select(s => new DetectorCalibration(s.Name, s.Score, [])).ToArray()));
        Assert.All(Score(at, Request), r => Assert.False(r.Flag, $"{r.Name}: score {r.Score} = threshold {r.Threshold} must not flag"));

        var below = MonitorPlan.Create(Small(), BaselineFor(Small(), scores.Select(s => new DetectorCalibration(s.Name, MathF.BitDecrement(s.Score), [])).ToArray()));
        Assert.All(Score(below, Request), r => Assert.True(r.Flag, $"{r.Name}: score {r.Score} > threshold {r.Threshold} must flag"));
    }

    [Fact]
    public void Reset_PooledScorer_SecondRequestScoresAsOnAFreshScorer()
    {
        var plan = MonitorPlan.Create(Small(), BaselineFor(Small(), Thresholds(0.5f)));
        float[] second = [0f, 0.1f, 0.5f, 0f, 0.1f, 0f, 0.6f, 0.2f];
        var fresh = Score(MonitorPlan.Create(Small(), BaselineFor(Small(), Thresholds(0.5f))), second);

        var first = plan.Rent();
        first.Feed(0, 4, Request);
        first.Dispose();
        using var reused = plan.Rent();
        Assert.Same(first, reused);
        Assert.Equal(FrameStatus.Ok, reused.Feed(0, 2, second));
        Assert.Equal(fresh.Select(r => (r.Name, r.Score, r.Step, r.Flag)), reused.Results.ToArray().Select(r => (r.Name, r.Score, r.Step, r.Flag)));
    }

    private static DetectorResult[] Score(MonitorPlan plan, float[] values)
    {
        using var s = plan.Rent();
        Assert.Equal(FrameStatus.Ok, s.Feed(0, values.Length / 4, values));
        return s.Results.ToArray();
    }
}
