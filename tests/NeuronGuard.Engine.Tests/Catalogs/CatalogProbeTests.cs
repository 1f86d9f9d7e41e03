using System.Text;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Probes;
using static NeuronGuard.Engine.Tests.TestCatalogs;

namespace NeuronGuard.Engine.Tests.Catalogs;

/// <summary>Probes in the catalog: the JSON keeps them and leaves old catalogs as they were; validation names probe and neuron.</summary>
public sealed class CatalogProbeTests
{
    private static Catalog With(CatalogProbe probe) => Small() with { Probes = [probe] };

    private static CatalogProbe Probe(string? set, params CatalogProbeNeuron[] neurons) =>
        new() { Name = "tox-probe", Set = set, Bias = -0.5, Lambda = 0.01, Neurons = neurons };

    private static CatalogProbeNeuron PN(int layer, int index, double w = 1, double mean = 0, double scale = 1) =>
        new() { Layer = layer, Index = index, Weight = w, Mean = mean, Scale = scale };

    [Fact]
    public void Json_RoundTripsProbes_AndACatalogWithoutProbesHasNoProbesKey()
    {
        var catalog = With(Probe("tox", PN(1, 10, 0.75, 0.5, 2)));
        var parsed = CatalogJson.Parse(CatalogJson.Serialize(catalog));
        var p = Assert.Single(parsed.Probes!);
        Assert.Equal(("tox-probe", "tox", -0.5, 0.01), (p.Name, p.Set, p.Bias, p.Lambda));
        Assert.Equal(PN(1, 10, 0.75, 0.5, 2), Assert.Single(p.Neurons));

        string old = Encoding.UTF8.GetString(CatalogJson.Serialize(Small()));
        Assert.DoesNotContain("probes", old);
        Assert.Null(CatalogJson.Parse(Encoding.UTF8.GetBytes(old)).Probes);
    }

    [Fact]
    public void Check_GoodProbes_ReportNothing()
    {
        Assert.Empty(CatalogValidator.Check(With(Probe("tox", PN(1, 10), PN(2, 20))), Model));
        Assert.Empty(CatalogValidator.Check(With(Probe(null, PN(11, 3071))), Model)); // any neuron of the model without a set
    }

    [Fact]
    public void Check_NaNWeight_NamesProbeAndNeuron()
    {
        var errors = CatalogValidator.Check(With(Probe("tox", PN(1, 10, w: double.NaN))), Model);
        Assert.Equal("probe 'tox-probe', neuron (layer 1, index 10): weight NaN and mean 0 must be finite numbers: retrain the probe (non-finite activations in its data?).", Assert.Single(errors));
    }

    [Fact]
    public void Check_NeuronOutOfRange_NamesProbeAndNeuron()
    {
        var errors = CatalogValidator.Check(With(Probe(null, PN(12, 5), PN(0, 3072))), Model);
        Assert.Equal(2, errors.Count);
        Assert.Equal("probe 'tox-probe', neuron (layer 12, index 5): layer 12 does not exist: the model has 12 layers (0–11).", errors[0]);
        Assert.Equal("probe 'tox-probe', neuron (layer 0, index 3072): index 3072 is out of range: each layer has 3072 neurons (0–3071).", errors[1]);
    }

    [Fact]
    public void Check_NeuronNotInItsSet_IsUnknown()
    {
        var errors = CatalogValidator.Check(With(Probe("tox", PN(1, 10), PN(3, 30))), Model);
        Assert.Equal("probe 'tox-probe', neuron (layer 3, index 30) is unknown to set 'tox' the probe was trained over: attach the probe to the catalog version it was trained on, or retrain it.", Assert.Single(errors));
    }

    [Fact]
    public void Check_UnknownSetZeroScaleDuplicateAndEmptyProbe_ListsEveryProblem()
    {
        var catalog = Small() with
        {
            Probes = [Probe("nope", PN(1, 10, scale: 0)), Probe(null), new CatalogProbe { Name = "a b", Bias = double.PositiveInfinity, Neurons = [PN(1, 10), PN(1, 10)] }],
        };
        var errors = CatalogValidator.Check(catalog, Model);
        Assert.Contains("probe 'tox-probe' names set 'nope', which the catalog does not have: attach it to the catalog it was trained on.", errors);
        Assert.Contains(errors, e => e.StartsWith("probe 'tox-probe', neuron (layer 1, index 10): scale 0 must be a finite number > 0"));
        Assert.Contains(errors, e => e.StartsWith("probe 'tox-probe' appears twice"));
        Assert.Contains(errors, e => e.StartsWith("probe 'tox-probe' has no neurons"));
        Assert.Contains(errors, e => e.StartsWith("probe 'a b': name it without spaces"));
        Assert.Contains(errors, e => e.StartsWith("probe 'a b': bias ") && e.EndsWith("is not a finite number: retrain the probe."));
        Assert.Contains("probe 'a b', neuron (layer 1, index 10) is listed twice: remove the duplicate.", errors);
    }

    [Fact]
    public void From_TrainedProbe_KeepsNonZeroWeightsAndDropsTheFileThreshold()
    {
        var trained = new SparseProbe
        {
            Set = "tox", Fingerprint = Fingerprint, CatalogVersion = "v1", Bias = 0.25f, Lambda = 0.02, Threshold = 1.5f, TargetFpr = 0.01f, Data = "a vs b",
            Neurons = [new(new NeuronRef(1, 10), 0f, 1f, 1f), new(new NeuronRef(2, 20), -0.5f, 2f, 3f)],
        };
        var p = CatalogProbe.From(trained, "tox", "2026-12-07");
        Assert.Equal(PN(2, 20, -0.5, 2, 3), Assert.Single(p.Neurons));
        Assert.Equal(("tox", 0.25, "sparse-probe", "a vs b"), (p.Set, p.Bias, p.Provenance!.Method, p.Provenance.Data));
        Assert.Equal(float.PositiveInfinity, p.ToSparseProbe(Small()).Threshold);
    }
}
