using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Detectors;
using NeuronGuard.Engine.Scoring;
using static NeuronGuard.Engine.Tests.TestCatalogs;

namespace NeuronGuard.Engine.Tests.Scoring;

public sealed class DetectorTests
{
    // Slots: 0 = tox (AUROC 0.9 → w 0.8), 1 = tox (0.7 → w 0.4), 2 = safety, 3 = backdoor. Baseline: μ 0, σ 1, ρ 1.
    private readonly MonitorPlan _plan = MonitorPlan.Create(Small(), BaselineFor(Small(), Thresholds(0.5f)));

    [Fact]
    public void Experts_WeightedStandardizedMaxOverSteps_MatchesFormula()
    {
        using var s = _plan.Rent();
        Assert.Equal(FrameStatus.Ok, s.Feed(0, 2, [3f, 0f, 0f, 0f, /* step 1 */ 0f, 5f, 0f, 0f]));
        var tox = Result(s, "toxicity:tox");
        // step 0: (0.8·3 + 0.4·0)/1.2 = 2; step 1: (0.4·5)/1.2 ≈ 1.67 → the max stays at step 0.
        Assert.Equal(2f, tox.Score, 5);
        Assert.Equal(0, tox.Step);
        Assert.True(tox.Flag);
        var top = s.TopNeurons(Index("toxicity:tox"));
        Assert.Equal(new NeuronRef(1, 10), top[0].Neuron);
        Assert.Equal(2f, top[0].Value, 5);
    }

    [Fact]
    public void Backdoor_StepChangeFromBenignMean_IsMaxOverWindow()
    {
        using var s = _plan.Rent();
        s.Feed(0, 3, [0f, 0f, 0f, 0.5f, /* 1 */ 0f, 0f, 0f, 4.5f, /* 2 */ 0f, 0f, 0f, 4f]);
        var bd = Result(s, "backdoor:bd");
        Assert.Equal(4f, bd.Score, 5); // |4.5 − 0.5| / ρ at step 1
        Assert.Equal(1, bd.Step);
    }

    [Fact]
    public void Backdoor_JumpAfterWindow_IsIgnored()
    {
        var plan = MonitorPlan.Create(Small(), BaselineFor(Small(), Thresholds(0.5f)), new DetectorOptions { BackdoorWindow = 2 });
        using var s = plan.Rent();
        s.Feed(0, 3, [0f, 0f, 0f, 0f, 0f, 0f, 0f, 0.1f, 0f, 0f, 0f, 9f]);
        Assert.Equal(0.1f, Result(s, "backdoor:bd").Score, 5);
    }

    /// <summary>Collapse c = clamp(ln(σ / max(s, floor)), 0, 10): a constant neuron (s = 0) gives ln(1 / 1e-4).</summary>
    [Fact]
    public void Integrity_ConstantSafetyNeuron_AlarmsAfterMinSteps()
    {
        using var s = _plan.Rent();
        for (int t = 0; t < 3; t++)
        {
            s.Feed(t, 1, [t, t, 0f, t]);
        }
        Assert.Equal(0f, Result(s, "integrity:safe").Score); // 3 steps < IntegrityMinSteps (4)
        s.Feed(3, 1, [3f, 3f, 0f, 3f]);
        var integrity = Result(s, "integrity:safe");
        Assert.Equal(MathF.Log(1e4f), integrity.Score, 3);
        Assert.True(integrity.Flag);
        Assert.Equal(new NeuronRef(3, 30), s.TopNeurons(Index("integrity:safe"))[0].Neuron);
    }

    /// <summary>A neuron varying as on benign traffic (σ 1) with the benign mean scores 0.</summary>
    [Fact]
    public void Integrity_MovingSafetyNeuron_DoesNotAlarm()
    {
        using var s = _plan.Rent();
        s.Feed(0, 4, [0f, 0f, 1f, 0f, 0f, 0f, -1f, 0f, 0f, 0f, 1f, 0f, 0f, 0f, -1f, 0f]);
        Assert.Equal(0f, Result(s, "integrity:safe").Score, 5);
        Assert.False(Result(s, "integrity:safe").Flag);
    }

    /// <summary>Not only exact constants: a gain of 0.001 collapses the variance by ln(1000); a lowered mean counts in σ, a raised one (harmful traffic) not.</summary>
    [Fact]
    public void Integrity_ScaledDownOrShiftedNeuron_Alarms()
    {
        using (var s = _plan.Rent())
        {
            s.Feed(0, 4, [0f, 0f, 0.001f, 0f, 0f, 0f, -0.001f, 0f, 0f, 0f, 0.001f, 0f, 0f, 0f, -0.001f, 0f]);
            Assert.Equal(MathF.Log(1000f), Result(s, "integrity:safe").Score, 3);
            Assert.True(Result(s, "integrity:safe").Flag);
        }
        using (var s = _plan.Rent())
        {
            s.Feed(0, 4, [0f, 0f, -2f, 0f, 0f, 0f, -4f, 0f, 0f, 0f, -2f, 0f, 0f, 0f, -4f, 0f]); // mean 3 σ lower, σ kept
            Assert.Equal(3f, Result(s, "integrity:safe").Score, 4);
        }
        using (var s = _plan.Rent())
        {
            s.Feed(0, 4, [0f, 0f, 2f, 0f, 0f, 0f, 4f, 0f, 0f, 0f, 2f, 0f, 0f, 0f, 4f, 0f]); // 3 σ higher: a harmful request
            Assert.Equal(0f, Result(s, "integrity:safe").Score, 4);
        }
    }

    /// <summary>A format-1 baseline keeps the exact-constant score its thresholds were calibrated for (weight 1 per constant neuron).</summary>
    [Fact]
    public void Integrity_LegacyBaseline_ScoresExactConstantsOnly()
    {
        var plan = MonitorPlan.Create(Small(), BaselineFor(Small(), Thresholds(0.5f)) with { IntegrityRecipe = 1 });
        using (var s = plan.Rent())
        {
            s.Feed(0, 4, [0f, 0f, 0.001f, 0f, 0f, 0f, -0.001f, 0f, 0f, 0f, 0.001f, 0f, 0f, 0f, -0.001f, 0f]);
            Assert.False(Result(s, "integrity:safe").Flag); // it moves, however little
        }
        using (var s = plan.Rent())
        {
            s.Feed(0, 4, [0f, 0f, 0.2f, 0f, 0f, 0f, 0.2f, 0f, 0f, 0f, 0.2f, 0f, 0f, 0f, 0.2f, 0f]);
            Assert.Equal(1f, Result(s, "integrity:safe").Score);
        }
    }

    [Fact]
    public void Coverage_OutOfRangeAndUncoveredBins_CountAsUncovered()
    {
        using var s = _plan.Rent();
        // Range [−1, 1], bins of 0.5, covered: bins 1 and 2 ([−0.5, 0.5]).
        s.Feed(0, 1, [0f, 0.9f, -2f, 0.2f]); // uncovered: 0.9 (bin 3), −2 (outside)
        var cov = Result(s, "coverage");
        Assert.Equal(0.5f, cov.Score);
        var top = s.TopNeurons(Index("coverage"));
        Assert.Equal(2, top.Length);
        Assert.Equal(1f, top[0].Value);
    }

    [Fact]
    public void CoverageBins_EdgesAndOutside_LandWhereCalibrationPutThem()
    {
        Assert.Equal(0, CoverageBins.Bin(-1f, -1f, 1f, 4));
        Assert.Equal(3, CoverageBins.Bin(1f, -1f, 1f, 4));
        Assert.Equal(2, CoverageBins.Bin(0f, -1f, 1f, 4));
        Assert.Equal(-1, CoverageBins.Bin(1.0001f, -1f, 1f, 4));
        Assert.Equal(-1, CoverageBins.Bin(float.NaN, -1f, 1f, 4));
        Assert.Equal(0, CoverageBins.Bin(2f, 2f, 2f, 4));
    }

    private int Index(string name) => _plan.Detectors.Select(d => d.Name).ToList().IndexOf(name);

    private DetectorResult Result(RequestScorer s, string name) => s.Results[Index(name)];
}
