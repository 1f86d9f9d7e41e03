using NeuronGuard.Engine.Catalogs;
using static NeuronGuard.Engine.Tests.TestCatalogs;

namespace NeuronGuard.Engine.Tests.Catalogs;

public sealed class CatalogValidatorTests
{
    [Fact]
    public void Check_GoodCatalog_ReportsNothing()
    {
        Assert.Empty(CatalogValidator.Check(Small(), Model));
    }

    [Fact]
    public void Check_IndexOutOfRange_SaysTheLayerSize()
    {
        var errors = CatalogValidator.Check(With(Set("x", NeuronSetKind.Custom, N(0, 3072))), null);
        Assert.Equal("set 'x', neuron (layer 0, index 3072): index 3072 is out of range: each layer has 3072 neurons (0–3071).", Assert.Single(errors));
    }

    [Fact]
    public void Check_DuplicateNeuron_AsksToRemoveIt()
    {
        var errors = CatalogValidator.Check(With(Set("x", NeuronSetKind.Custom, N(0, 1), N(0, 1))), null);
        Assert.Equal("set 'x', neuron (layer 0, index 1) is listed twice: remove the duplicate.", Assert.Single(errors));
    }

    [Fact]
    public void Check_DuplicateSetNameAndBadScoreAndGain_ListsEveryProblem()
    {
        var catalog = With(Set("x", NeuronSetKind.Custom, N(0, 1, score: 1.5)), Set("x", NeuronSetKind.Custom, N(0, 2, gain: -1)));
        var errors = CatalogValidator.Check(catalog, null);
        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.Contains("set 'x' appears twice"));
        Assert.Contains(errors, e => e.Contains("score 1.5 is not an AUROC"));
        Assert.Contains(errors, e => e.Contains("gain -1 is invalid"));
    }

    [Fact]
    public void Validate_CatalogForAnotherModel_ThrowsWithBothFingerprints()
    {
        var other = Model with { Fingerprint = "0123456789abcdef" };
        var e = Assert.Throws<CatalogException>(() => CatalogValidator.Validate(Small(), other));
        Assert.Contains("the catalog is for model ab12cd34ef56… but this model is 0123456789ab…", e.Message);
        Assert.Contains("run `neuronguard discover`", e.Message);
    }

    /// <summary>Fingerprint transition: a catalog bound by a model's recipe-1 fingerprint is accepted for it, and is not serialized with it.</summary>
    [Fact]
    public void Check_CatalogBoundByTheLegacyFingerprint_IsAccepted()
    {
        var model = Model with { Fingerprint = new string('c', 64), LegacyFingerprint = Fingerprint };
        Assert.Empty(CatalogValidator.Check(Small(), model));
        Assert.NotEmpty(CatalogValidator.Check(Small(), model with { LegacyFingerprint = null }));
        Assert.DoesNotContain("legacy", System.Text.Encoding.UTF8.GetString(CatalogJson.Serialize(Small() with { Model = model })), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Check_EmptySet_AsksForNeurons()
    {
        var errors = CatalogValidator.Check(With(Set("x", NeuronSetKind.Safety)), null);
        Assert.Equal("set 'x' has no neurons: add neurons or remove the set.", Assert.Single(errors));
    }

    private static Catalog With(params NeuronSet[] sets) => Small() with { Sets = sets };
}
