using NeuronGuard.Engine.Calibration;
using NeuronGuard.Engine.Detectors;
using NeuronGuard.Engine.Scoring;
using static NeuronGuard.Engine.Tests.TestCatalogs;

namespace NeuronGuard.Engine.Tests.Calibration;

public sealed class CalibrationTests
{
    [Fact]
    public void Build_TwoRequests_ComputesMomentsDeltaAndHistogram()
    {
        var layout = SlotLayout.From(Small());
        var builder = new BaselineBuilder(layout, new CalibrationOptions { Bins = 2 }, new DetectorOptions());
        // Slot 0 takes 0, 2 (request 1) and 4, 2 (request 2); others 1 throughout.
        builder.AddRequest([0f, 1f, 1f, 1f, 2f, 1f, 1f, 1f], 2);
        builder.AddRequest([4f, 1f, 1f, 1f, 2f, 1f, 1f, 1f], 2);
        var b = builder.Build("fp", "v1");
        var s0 = b.Slots[0];
        Assert.Equal(2f, s0.Mean);
        Assert.Equal(MathF.Sqrt(2f), s0.Std, 5);
        // Steps from the mean 2: |0−2|, |2−0|, |4−2|, |2−4| → RMS 2.
        Assert.Equal(2f, s0.DeltaRms, 5);
        Assert.Equal((0f, 4f), (s0.Lo, s0.Hi));
        Assert.Equal([16384, 49151], s0.Mass); // 1 of 4 in [0, 2), 3 of 4 in [2, 4]
        // Slots 1–3 are constant: their spread is floored to the moving slot's (σ √2, step RMS 2), not 0.
        Assert.Equal((MathF.Sqrt(2f), 2f), (b.Slots[1].Std, b.Slots[1].DeltaRms));
        Assert.Equal([65535, 0], b.Slots[1].Mass);
        Assert.Equal(3, builder.ConstantNeurons.Count);
        Assert.Contains("3 catalogued neuron(s) were constant", builder.ConstantWarning, StringComparison.Ordinal);
    }

    [Fact]
    public void Quantile_NearestRank_PutsAtMostFprAbove()
    {
        var sorted = Enumerable.Range(1, 200).Select(i => (float)i).ToArray();
        float q = ThresholdCalibrator.Quantile(sorted, 0.99);
        Assert.Equal(198f, q);
        Assert.Equal(2, sorted.Count(x => x > q)); // 1% of 200
        Assert.Equal(1f, ThresholdCalibrator.Quantile(sorted, 0));
        Assert.Equal(200f, ThresholdCalibrator.Quantile(sorted, 1));
    }

    [Fact]
    public void Compute_BenignScores_SetsEachDetectorsThreshold()
    {
        var catalog = Small();
        var plan = MonitorPlan.Create(catalog, BaselineFor(catalog), requireThresholds: false);
        var calibrator = new ThresholdCalibrator(plan);
        for (int i = 0; i < 100; i++)
        {
            using var s = plan.Rent();
            s.Feed(0, 1, [i / 100f, 0f, 0f, 0f]);
            calibrator.Add(s.Results);
        }
        var thresholds = calibrator.Compute(0.05f, ThresholdFloors.None);
        var tox = thresholds.Single(t => t.Name == "toxicity:tox");
        Assert.Equal(0.94f * 0.8f / 1.2f, tox.Threshold, 5); // 95th of 0.00 … 0.99, weighted 2/3
        // With the default floors the same scores give the toxicity floor (1 σ), and say so.
        Assert.Equal(1f, calibrator.Compute(0.05f).Single(t => t.Name == "toxicity:tox").Threshold);
        Assert.Contains(calibrator.Warnings, w => w.StartsWith("detector toxicity:tox: benign threshold", StringComparison.Ordinal));
        Assert.Equal(ThresholdCalibrator.Levels.Length, tox.Quantiles.Count);
        Assert.Equal(5, thresholds.Count);
    }

    [Fact]
    public void AddRequest_NaNOrWrongLength_ThrowsWithCause()
    {
        var builder = new BaselineBuilder(SlotLayout.From(Small()), new CalibrationOptions(), new DetectorOptions());
        Assert.Contains("NaN or infinite", Assert.Throws<ArgumentException>(() => builder.AddRequest([0f, float.NaN, 0f, 0f], 1)).Message);
        Assert.Contains("needs 8 values, got 4", Assert.Throws<ArgumentException>(() => builder.AddRequest([0f, 0f, 0f, 0f], 2)).Message);
        Assert.Throws<InvalidOperationException>(() => builder.Build("fp", "v1"));
    }

    [Fact]
    public void Build_ThenScoreItsOwnData_CoversEverything()
    {
        var layout = SlotLayout.From(Small());
        var builder = new BaselineBuilder(layout, new CalibrationOptions { Bins = 8, MassThreshold = 0.01f }, new DetectorOptions());
        var rng = new Random(1);
        var requests = Enumerable.Range(0, 50).Select(_ => Enumerable.Range(0, 5 * 4).Select(_ => (float)rng.NextDouble()).ToArray()).ToList();
        foreach (var r in requests)
        {
            builder.AddRequest(r, 5);
        }
        var baseline = builder.Build(Fingerprint, "v1");
        var plan = MonitorPlan.Create(Small(), baseline, requireThresholds: false);
        using var s = plan.Rent();
        s.Feed(0, 5, requests[0]);
        Assert.Equal(0f, s.Results[0].Score); // uniform data: every bin holds ~1/8 of the mass, all covered
        s.Reset();
        s.Feed(0, 1, [2f, 2f, 2f, 2f]);
        Assert.Equal(1f, s.Results[0].Score); // above every slot's calibration max
    }
}
