using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Detectors;
using NeuronGuard.Engine.Scoring;
using static NeuronGuard.Engine.Tests.TestCatalogs;

namespace NeuronGuard.Engine.Tests.Scoring;

/// <summary>A catalog probe as detector probe:NAME: its slots, its formula, its top neurons, its allocation and its threshold.</summary>
public sealed class ProbeDetectorTests
{
    /// <summary>
    /// Small() plus probe "p" over set "tox": (1,10) w 2 μ 1 σ 2 (slot 0), and (5,50), in no set, w −1 μ 0 σ 1 → slot 4.
    /// </summary>
    internal static Catalog WithProbe(string? set = null) => Small() with
    {
        Probes =
        [
            new CatalogProbe
            {
                Name = "p", Set = set, Bias = -1,
                Neurons = [PN(1, 10, 2, 1, 2), PN(5, 50, -1, 0, 1)],
            },
        ],
    };

    internal static CatalogProbeNeuron PN(int layer, int index, double w, double mean, double scale) =>
        new() { Layer = layer, Index = index, Weight = w, Mean = mean, Scale = scale };

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    private static MonitorPlan Plan(float probeThreshold) =>
        MonitorPlan.Create(WithProbe(), BaselineFor(WithProbe(), [.. Thresholds(100f), new DetectorCalibration("probe:p", probeThreshold, [])]));

    [Fact]
    public void Layout_ProbeNeuronInNoSet_IsCapturedAsAnExtraSlot()
    {
        var layout = SlotLayout.From(WithProbe());
        Assert.Equal(5, layout.Count);
        Assert.Equal(new NeuronRef(5, 50), layout.Slots[4]);
        Assert.Equal([0, 4], Assert.Single(layout.Probes).Slots);
        var spec = DetectorSpec.For(layout)[^1];
        Assert.Equal(("probe:p", DetectorKind.Probe), (spec.Name, spec.Kind));
    }

    [Fact]
    public void Feed_ScoreIsSigmoidOfMaxLogOdds_TopNeuronsAreTheTerms()
    {
        using var s = Plan(0.6f).Rent();
        int p = s.Results.Length - 1;
        // slots: (1,10), (2,20), (3,30), (4,40), (5,50)
        s.Feed(0, 1, [1f, 0f, 0f, 0f, 0.5f]);  // s0 = −1 + 2·0/2 − 0.5 = −1.5
        Assert.Equal(Sigmoid(-1.5f), s.Results[p].Score, 5);
        Assert.False(s.Results[p].Flag);
        s.Feed(1, 1, [4f, 0f, 0f, 0f, 0f]);    // running max (4, 0.5): s1 = −1 + 3 − 0.5 = 1.5
        Assert.Equal(Sigmoid(1.5f), s.Results[p].Score, 5);
        Assert.Equal(1, s.Results[p].Step);
        Assert.True(s.Results[p].Flag);
        s.Feed(2, 1, [0f, 0f, 0f, 0f, 3f]);    // running max (4, 3): s2 = −1 + 3 − 3 = −1 < 1.5: the score stays
        Assert.Equal(Sigmoid(1.5f), s.Results[p].Score, 5);
        var top = Assert.Single(s.TopNeurons(p).ToArray()); // (5,50)'s term −0.5 is not a positive contribution
        Assert.Equal((0, new NeuronRef(1, 10)), (top.Slot, top.Neuron));
        Assert.Equal(3f, top.Value, 5);
    }

    [Fact]
    public void Feed_WithAProbe_AllocatesNothingAfterWarmUp()
    {
        using var s = Plan(0.6f).Rent();
        var frame = new float[] { 1f, 2f, 0.3f, 4f, 0.1f };
        s.Feed(0, 1, frame);
        _ = s.TopNeurons(s.Results.Length - 1);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int t = 1; t < 200; t++)
        {
            frame[0] = t % 7;
            frame[4] = t % 5;
            s.Feed(t, 1, frame);
            for (int d = 0; d < s.Results.Length; d++)
            {
                _ = s.TopNeurons(d);
            }
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Create_BaselineWithoutProbeThreshold_ProbeScoresButNeverFlags()
    {
        var plan = MonitorPlan.Create(WithProbe(), BaselineFor(WithProbe(), Thresholds(100f)));
        Assert.Equal(["probe:p"], plan.UncalibratedProbes);
        using var s = plan.Rent();
        s.Feed(0, 1, [100f, 0f, 0f, 0f, 0f]);
        var r = s.Results[^1];
        Assert.True(r.Score > 0.99f);
        Assert.False(r.Flag);
        Assert.Equal(float.PositiveInfinity, r.Threshold);
        Assert.Empty(Plan(0.5f).UncalibratedProbes);
    }

    [Fact]
    public void Spec_ProbeNamingASet_CarriesTheSetForItsMitigation()
    {
        var spec = DetectorSpec.For(SlotLayout.From(WithProbe(set: "tox") with
        {
            Probes = [new CatalogProbe { Name = "p", Set = "tox", Bias = 0, Neurons = [PN(2, 20, 1, 0, 1)] }],
        }))[^1];
        Assert.Equal("tox", spec.Set?.Name);
        Assert.Equal([1], spec.Probe!.Slots);
    }
}
