using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Detectors;
using NeuronGuard.Engine.Scoring;
using static NeuronGuard.Engine.Tests.TestCatalogs;

namespace NeuronGuard.Engine.Tests.Scoring;

/// <summary>
/// The trigger scan on a hand-made plan: a custom set "scan-l0" of three neurons whose benign range is [−1, 1]
/// (width 2); with m = 1 a position's score is the largest exceedance / 2, and the threshold is 0.5.
/// </summary>
public sealed class TriggerScanDetectorTests
{
    private const int Slots = 3;

    private static Catalog ScanCatalog() => new()
    {
        Model = Model,
        Version = "scan-1",
        Sets = [Set("scan-l0", NeuronSetKind.Custom, N(0, 1), N(0, 2), N(0, 3))],
    };

    private static Baseline ScanBaseline(bool prefill = true, bool threshold = true)
    {
        var b = BaselineFor(ScanCatalog(), threshold ? [new("coverage", 1f, []), new("trigger_scan:scan-l0", 0.5f, [])] : [new("coverage", 1f, [])]);
        return b with { Slots = b.Slots.Select(s => prefill ? s with { Prefill = new PrefillStats(0f, 1f, 1f, -1f, 1f) } : s).ToArray() };
    }

    private static MonitorPlan Plan(Baseline? baseline = null) =>
        MonitorPlan.Create(ScanCatalog(), baseline ?? ScanBaseline(), new DetectorOptions { TriggerScanTopM = 1 });

    private static int Scan(MonitorPlan plan) => plan.Detectors.ToList().FindIndex(d => d.Kind == DetectorKind.TriggerScan);

    /// <summary>A prompt of <paramref name="steps"/> positions, every value inside the benign range except the given ones.</summary>
    private static float[] Prompt(int steps, params (int Step, int Slot, float Value)[] outside)
    {
        var v = new float[steps * Slots];
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = (i % 5) * 0.2f - 0.4f;
        }
        foreach (var (t, s, x) in outside)
        {
            v[t * Slots + s] = x;
        }
        return v;
    }

    [Fact]
    public void Plan_CustomSetNamedScan_GetsTriggerScanDetector_OtherCustomSetsDoNot()
    {
        var catalog = ScanCatalog() with { Sets = [.. ScanCatalog().Sets, Set("other", NeuronSetKind.Custom, N(0, 9))] };
        var names = DetectorSpec.For(SlotLayout.From(catalog)).Select(d => d.Name).ToList();

        Assert.Equal(["coverage", "trigger_scan:scan-l0"], names);
    }

    [Fact]
    public void Prefill_TokenOutsideBenignRange_FlagsAndNamesItsPositions()
    {
        var plan = Plan();
        int d = Scan(plan);
        using var s = plan.Rent();

        // Positions 4 and 5 push neuron 1 to 3 and −4 (exceedance 2 and 3 over a width of 2: scores 1 and 1.5).
        Assert.Equal(FrameStatus.Ok, s.Feed(0, 8, Prompt(8, (4, 1, 3f), (5, 1, -4f))));

        Assert.True(s.Results[d].Flag);
        Assert.Equal(1.5f, s.Results[d].Score, 5);
        Assert.Equal(5, s.Results[d].Step);
        Assert.Equal([4, 5], s.FlaggedPositions(d).ToArray());
        Assert.Equal(new NeuronRef(0, 2), s.TopNeurons(d)[0].Neuron);
    }

    [Fact]
    public void Prefill_InsideBenignRange_DoesNotFlag()
    {
        var plan = Plan();
        int d = Scan(plan);
        using var s = plan.Rent();

        s.Feed(0, 10, Prompt(10, (3, 0, 1.5f))); // exceedance 0.5 / 2 = 0.25 ≤ 0.5

        Assert.False(s.Results[d].Flag);
        Assert.Equal(0.25f, s.Results[d].Score, 5);
        Assert.True(s.FlaggedPositions(d).IsEmpty);
    }

    [Fact]
    public void PositionZeroAndDecodeSteps_AreNotScanned()
    {
        var plan = Plan();
        int d = Scan(plan);
        using var s = plan.Rent();

        s.Feed(0, 4, Prompt(4, (0, 0, 50f)));
        s.Feed(4, 1, Prompt(1, (0, 2, 50f))); // a decode step: generated tokens are not prompt positions

        Assert.False(s.Results[d].Flag);
        Assert.True(s.FlaggedPositions(d).IsEmpty);
    }

    [Fact]
    public void PrefillSplitOverFrames_IsScannedAsOnePrompt()
    {
        var plan = Plan();
        int d = Scan(plan);
        using var s = plan.Rent();
        var prompt = Prompt(9, (2, 0, 9f), (7, 0, 9f));

        s.Feed(0, 5, prompt.AsSpan(0, 5 * Slots));
        s.Feed(5, 4, prompt.AsSpan(5 * Slots));

        Assert.Equal([2, 7], s.FlaggedPositions(d).ToArray());
    }

    [Fact]
    public void Reset_ForgetsFlaggedPositions()
    {
        var plan = Plan();
        int d = Scan(plan);
        using (var s = plan.Rent())
        {
            s.Feed(0, 6, Prompt(6, (3, 0, 9f)));
            Assert.Equal([3], s.FlaggedPositions(d).ToArray());
        }
        using var again = plan.Rent();
        again.Feed(0, 6, Prompt(6));

        Assert.True(again.FlaggedPositions(d).IsEmpty);
        Assert.False(again.Results[d].Flag);
    }

    [Fact]
    public void OldBaselineWithoutPrefillStatistics_LoadsUncalibrated_WithTheDocumentedWarning()
    {
        // A format-2 baseline (written before the trigger scan existed) for a catalog that now has a scan set.
        var old = BaselineFormat.Read(BaselineFormat.Write(ScanBaseline(prefill: false, threshold: false)));
        Assert.All(old.Slots, s => Assert.Null(s.Prefill));

        var plan = Plan(old);
        int d = Scan(plan);
        using var s = plan.Rent();
        s.Feed(0, 6, Prompt(6, (3, 0, 500f)));

        Assert.False(s.Results[d].Flag);
        Assert.True(float.IsPositiveInfinity(s.Results[d].Threshold));
        Assert.True(s.FlaggedPositions(d).IsEmpty);
        var warning = Assert.Single(plan.Warnings);
        Assert.Equal("detector trigger_scan:scan-l0 stays uncalibrated (never flags): baseline of catalog 'scan-1' has no prefill statistics (baseline format < 3); recalibrate with `neuronguard calibrate` to enable it.", warning);
    }

    [Fact]
    public void Feed_PrefillAndDecode_AfterWarmUp_AllocatesNothing()
    {
        var plan = Plan();
        int d = Scan(plan);
        var prompt = Prompt(64, (10, 0, 9f), (40, 2, -9f));
        var step = Prompt(1);
        using (var warm = plan.Rent())
        {
            warm.Feed(0, 64, prompt);
            _ = warm.TopNeurons(d);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 0; r < 20; r++)
        {
            using var s = plan.Rent();
            s.Feed(0, 64, prompt);
            for (int t = 64; t < 70; t++)
            {
                s.Feed(t, 1, step);
            }
            _ = s.TopNeurons(d);
            _ = s.FlaggedPositions(d);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
