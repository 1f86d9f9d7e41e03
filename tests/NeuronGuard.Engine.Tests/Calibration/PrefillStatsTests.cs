using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Calibration;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Detectors;
using NeuronGuard.Engine.Scoring;
using static NeuronGuard.Engine.Tests.TestCatalogs;

namespace NeuronGuard.Engine.Tests.Calibration;

public sealed class PrefillStatsTests
{
    private static SlotLayout Layout() => SlotLayout.From(new Catalog
    {
        Model = Model, Version = "s", Sets = [Set("scan", NeuronSetKind.Custom, N(0, 1))],
    });

    [Fact]
    public void Build_PrefillStatistics_UsePromptPositionsFromOneOnly()
    {
        var builder = new BaselineBuilder(Layout(), new CalibrationOptions { Bins = 2 }, new DetectorOptions());
        // Position 0 (5) is a sequence start and step 3 (100) a decode step: neither counts.
        builder.AddRequest([5f, 1f, 3f, 100f], 4, promptSteps: 3);

        var p = builder.Build(Fingerprint, "s").Slots[0].Prefill!.Value;

        Assert.Equal(2f, p.Mean, 5);
        Assert.Equal(1f, p.Std, 5);
        Assert.Equal(MathF.Sqrt(10f), p.DeltaRms, 5); // changes −4 and 2
        Assert.Equal((1f, 3f), (p.Lo, p.Hi));
    }

    [Fact]
    public void Build_NoPromptOfTwoTokens_LeavesPrefillNull_SoTheScanStaysUncalibrated()
    {
        var builder = new BaselineBuilder(Layout(), new CalibrationOptions { Bins = 2 }, new DetectorOptions());
        builder.AddRequest([1f, 2f], 2, promptSteps: 1);

        var baseline = builder.Build(Fingerprint, "s");

        Assert.Null(baseline.Slots[0].Prefill);
        Assert.Equal(2, BaselineFormat.Read(BaselineFormat.Write(baseline)).IntegrityRecipe);
    }

    [Theory]
    [InlineData(new[] { 0, 5, 5, 1, 6, 1 }, 5)]   // prefill frame, then decode steps
    [InlineData(new[] { 0, 3, 3, 4, 7, 1 }, 7)]   // a prompt split over two frames
    [InlineData(new[] { 0, 1, 1, 1 }, 1)]         // a one-token prompt, then a decode step
    public void PromptSteps_FollowsThePrefillRule(int[] frames, int expected)
    {
        var list = frames.Chunk(2).Select(f => (f[0], f[1])).ToList();

        Assert.Equal(expected, PrefillRule.PromptSteps(list));
    }
}
