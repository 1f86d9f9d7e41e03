using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Scoring;
using static NeuronGuard.Engine.Tests.TestCatalogs;

namespace NeuronGuard.Engine.Tests.Scoring;

public sealed class MonitorPlanTests
{
    [Fact]
    public void Create_BaselineOfOtherModel_Throws()
    {
        var baseline = BaselineFor(Small(), Thresholds(1f)) with { Fingerprint = "00" };
        var e = Assert.Throws<MonitorPlanException>(() => MonitorPlan.Create(Small(), baseline));
        Assert.Contains("calibrated on model 00", e.Message);
    }

    [Fact]
    public void Create_BaselineOfOtherCatalogVersion_SaysToRecalibrate()
    {
        var baseline = BaselineFor(Small(), Thresholds(1f)) with { CatalogVersion = "v0" };
        var e = Assert.Throws<MonitorPlanException>(() => MonitorPlan.Create(Small(), baseline));
        Assert.Contains("catalog version 'v0' but the catalog is version 'v1': recalibrate", e.Message);
    }

    [Fact]
    public void Create_BaselineMissingASlot_NamesTheNeuron()
    {
        var full = BaselineFor(Small(), Thresholds(1f));
        var baseline = full with { Slots = full.Slots.Take(3).ToArray() };
        var e = Assert.Throws<MonitorPlanException>(() => MonitorPlan.Create(Small(), baseline));
        Assert.Contains("no statistics for neuron (layer 4, index 40)", e.Message);
    }

    [Fact]
    public void Create_MissingThresholds_ThrowsUnlessCalibrating()
    {
        var baseline = BaselineFor(Small());
        var e = Assert.Throws<MonitorPlanException>(() => MonitorPlan.Create(Small(), baseline));
        Assert.Contains("no threshold for detector(s) coverage, toxicity:tox", e.Message);
        var plan = MonitorPlan.Create(Small(), baseline, requireThresholds: false);
        using var s = plan.Rent();
        s.Feed(0, 1, [100f, 100f, 100f, 100f]);
        Assert.False(s.AnyFlag);
    }

    [Fact]
    public void Slots_SharedNeuronAcrossSets_AppearsOnce()
    {
        var catalog = Small() with { Sets = [.. Small().Sets, Set("again", Engine.Catalogs.NeuronSetKind.Custom, N(1, 10), N(5, 5))] };
        var layout = SlotLayout.From(catalog);
        Assert.Equal([new(1, 10), new(2, 20), new(3, 30), new(4, 40), new(5, 5)], layout.Slots);
        Assert.Equal([0, 4], layout.Set("again").Slots);
    }
}
