using NeuronGuard.Engine.Mitigation;
using NeuronGuard.Engine.Scoring;
using static NeuronGuard.Engine.Tests.TestCatalogs;

namespace NeuronGuard.Engine.Tests.Mitigation;

public sealed class MitigationGainsTests
{
    [Theory]
    [InlineData(0.5, 1.0)]
    [InlineData(0.4, 1.0)]
    [InlineData(0.75, 0.5)]
    [InlineData(1.0, 0.0)]
    public void AuraGain_FromAuroc_IsOneMinusTwiceTheExcess(double auroc, double gain)
    {
        Assert.Equal(gain, MitigationGains.AuraGain(auroc), 12);
    }

    [Fact]
    public void Compute_AuraAtHalfStrength_ScalesTowardOne()
    {
        var layout = SlotLayout.From(Small());
        var gains = new float[layout.Count];
        MitigationGains.Compute(layout, "tox", MitigationPreset.Aura, 0.5, 0, gains);
        // Set gains 0.2 and 0.6 → α' = 1 − 0.5·(1 − α); other slots 1.
        Assert.Equal([0.6f, 0.8f, 1f, 1f], gains);
    }

    /// <summary>AurA as the paper has it (the default: strength 1, no top-k) on a set whose AUROCs straddle 0.5.</summary>
    private static Engine.Catalogs.Catalog PaperCatalog() => new()
    {
        Model = Model,
        Version = "v1",
        Sets = [Set("tox", Engine.Catalogs.NeuronSetKind.Toxicity, N(1, 1, 0.9), N(1, 2, 0.75), N(1, 3, 0.6), N(1, 4, 0.5), N(1, 5, 0.3))],
    };

    [Fact]
    public void Compute_AuraDefault_DampensEveryNeuronAboveHalfByItsAlpha()
    {
        var layout = SlotLayout.From(PaperCatalog());
        var gains = new float[layout.Count];
        MitigationGains.Compute(layout, "tox", MitigationPreset.Aura, 1, 0, gains);
        // α = 1 − 2·(AUROC − 0.5): 0.9 → 0.2, 0.75 → 0.5, 0.6 → 0.8; AUROC 0.5 and 0.3 stay at 1.
        Assert.Equal([0.2f, 0.5f, 0.8f, 1f, 1f], gains.Select(g => MathF.Round(g, 6)).ToArray());
    }

    [Fact]
    public void Compute_AuraTopK_DampensOnlyTheKHighestAuroc()
    {
        var layout = SlotLayout.From(PaperCatalog());
        var gains = new float[layout.Count];
        MitigationGains.Compute(layout, "tox", MitigationPreset.Aura, 1, 2, gains);
        Assert.Equal([0.2f, 0.5f, 1f, 1f, 1f], gains.Select(g => MathF.Round(g, 6)).ToArray());
    }

    [Fact]
    public void Compute_AuraTopKAndStrength_Compose()
    {
        var layout = SlotLayout.From(PaperCatalog());
        var gains = new float[layout.Count];
        MitigationGains.Compute(layout, "tox", MitigationPreset.Aura, 0.5, 1, gains);
        Assert.Equal([0.6f, 1f, 1f, 1f, 1f], gains.Select(g => MathF.Round(g, 6)).ToArray());
    }

    [Fact]
    public void Compute_Det0_AblatesTopKByScore()
    {
        var layout = SlotLayout.From(Small());
        var gains = new float[layout.Count];
        MitigationGains.Compute(layout, "tox", MitigationPreset.Det0, 1, 1, gains);
        Assert.Equal([0f, 1f, 1f, 1f], gains);
    }

    [Fact]
    public void Compute_Damp_GivesTheSetOneGain()
    {
        var layout = SlotLayout.From(Small());
        var gains = new float[layout.Count];
        MitigationGains.Compute(layout, "tox", MitigationPreset.Damp, 0.25, 0, gains);
        Assert.Equal([0.75f, 0.75f, 1f, 1f], gains);
    }

    [Fact]
    public void Compute_UnknownSet_NamesTheKnownOnes()
    {
        var layout = SlotLayout.From(Small());
        var e = Assert.Throws<KeyNotFoundException>(() => MitigationGains.Compute(layout, "nope", MitigationPreset.Damp, 1, 0, new float[4]));
        Assert.Contains("tox, safe, bd", e.Message);
    }
}
