using NeuronGuard.Engine.Calibration;
using NeuronGuard.Engine.Detectors;
using NeuronGuard.Engine.Scoring;
using static NeuronGuard.Engine.Tests.TestCatalogs;

namespace NeuronGuard.Engine.Tests.Calibration;

/// <summary>
/// Issue 18 item 6: neurons constant on the benign traffic once got σ = 0 and threshold 0, so one all-zero frame
/// flagged a request. Calibration now floors their spread and each detector's threshold, and says so.
/// </summary>
public sealed class ConstantNeuronTests
{
    private const float Constant = -0.17f; // GELU's floor: a neuron that never fires on benign text sits here

    [Fact]
    public void Calibrate_ConstantNeurons_OneAllZeroFrameDoesNotFlag_AndWarns()
    {
        var catalog = Small(); // slots: L1N10, L2N20 (tox), L3N30 (safe), L4N40 (bd)
        var layout = SlotLayout.From(catalog);
        var builder = new BaselineBuilder(layout, new CalibrationOptions(), new DetectorOptions());
        var rng = new Random(3);
        float[] Request() => Enumerable.Range(0, 5 * 4).Select(i => i % 4 == 0 ? (float)rng.NextDouble() : Constant).ToArray();
        for (int r = 0; r < 40; r++)
        {
            builder.AddRequest(Request(), 5);
        }
        var stats = builder.Build(Fingerprint, "v1");
        Assert.Equal([new NeuronRef(2, 20), new NeuronRef(3, 30), new NeuronRef(4, 40)], builder.ConstantNeurons);
        Assert.All(stats.Slots.Skip(1), s => Assert.True(s.Std > 0.1f && s.DeltaRms > 0.1f, $"{s.Neuron}: σ {s.Std}, step RMS {s.DeltaRms}"));

        var plan = MonitorPlan.Create(catalog, stats, requireThresholds: false);
        var calibrator = new ThresholdCalibrator(plan);
        for (int r = 0; r < 20; r++)
        {
            using var s = plan.Rent();
            s.Feed(0, 5, Request());
            calibrator.Add(s.Results);
        }
        var thresholds = calibrator.Compute(0.01f);
        Assert.Equal(1f, thresholds.Single(t => t.Name.StartsWith("safety:", StringComparison.Ordinal)).Threshold);
        Assert.Contains(calibrator.Warnings, w => w.Contains("safety:", StringComparison.Ordinal));

        var scored = MonitorPlan.Create(catalog, stats with { Detectors = thresholds });
        using var scorer = scored.Rent();
        scorer.Feed(0, 1, [0f, 0f, 0f, 0f]);
        var flagged = scorer.Results.ToArray().Where(r => r.Flag).Select(r => $"{r.Name} {r.Score} > {r.Threshold}").ToList();
        Assert.True(flagged.Count == 0, "one all-zero frame flagged: " + string.Join("; ", flagged));
    }

    [Fact]
    public void Floors_BindOnlyOnDegenerateScores()
    {
        var baseline = BaselineFor(Small());
        Assert.Equal(1f, ThresholdFloors.Default.For(DetectorKind.Toxicity, baseline));
        Assert.Equal(1f, ThresholdFloors.Default.For(DetectorKind.Backdoor, baseline));
        Assert.Equal(0f, ThresholdFloors.Default.For(DetectorKind.Integrity, baseline));
        Assert.Equal(0.01f, ThresholdFloors.Default.For(DetectorKind.Coverage, baseline)); // no constant slot
        var oneConstant = baseline with { Slots = [baseline.Slots[0] with { Lo = 0.5f, Hi = 0.5f }, .. baseline.Slots.Skip(1)] };
        Assert.Equal(0.5f, ThresholdFloors.Default.For(DetectorKind.Coverage, oneConstant)); // (1 constant + 1) of 4 slots
    }
}
