using NeuronGuard.Engine;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Scoring;
using NeuronGuard.Offline.IO;
using NeuronGuard.Offline.Jobs;
using NeuronGuard.Offline.Prompts;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Offline.Tests;

/// <summary>discover → catalog file → calibrate → baseline file → plan, through the same calls the CLI makes.</summary>
[Collection(PlantedFixtureCollection.Name)]
public sealed class JobsTests(PlantedFixture fixture) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-jobs-").FullName;

    [Fact]
    public void DiscoverThenCalibrate_Files_RoundTripIntoAMonitorPlan()
    {
        var prompts = FixturePrompts.Generate(fixture.Truth, new PromptCounts { DiscoveryPositive = 40, DiscoveryBenign = 80, CalibrationBenign = 100, HeldOutPositive = 1, HeldOutBenign = 1 });
        string P(string name) => Path.Combine(_dir, name);
        JsonlTexts.Write(P("tox.jsonl"), prompts.Discovery.Toxic);
        JsonlTexts.Write(P("trig.jsonl"), prompts.Discovery.Triggered);
        JsonlTexts.Write(P("neg.jsonl"), prompts.Discovery.Benign);
        JsonlTexts.Write(P("benign.jsonl"), prompts.Calibration);
        var progress = new StringWriter();

        DiscoverJob.Run(new(fixture.Dir, P("tox.jsonl"), P("neg.jsonl"), NeuronSetKind.Toxicity, P("catalog.json"), new DiscoverOptions { TopK = 8 }, 1, "v1"), progress);
        var (catalog, result) = DiscoverJob.Run(new(fixture.Dir, P("trig.jsonl"), P("neg.jsonl"), NeuronSetKind.Backdoor, P("catalog.json"), new DiscoverOptions { TopK = 3 }, 1, "v2"), progress);
        Assert.Equal(4 * 512, result.Ranked.Length); // every neuron of every layer
        Assert.Contains("discover [####################] 120/120 texts", progress.ToString());

        var loaded = ModelFiles.LoadCatalog(P("catalog.json"));
        Assert.Equal(["toxicity", "backdoor"], loaded.Sets.Select(s => s.Name));
        Assert.Equal("v2", loaded.Version);
        Assert.Equal(8, loaded.Sets[0].Neurons.Count);
        var planted = fixture.Truth.Sets.First(s => s.Kind == Inference.PlantedKind.Backdoor).Neurons[0];
        Assert.Equal(new NeuronRef(planted.Layer, planted.Neuron), loaded.Sets[1].Neurons[0].Ref);
        Assert.Equal(catalog.Sets[1].Neurons, loaded.Sets[1].Neurons);

        var baseline = CalibrateJob.Run(new(fixture.Dir, P("catalog.json"), P("benign.jsonl"), P("baseline.ngb"), new CalibrateOptions(), 1), null);
        var read = ModelFiles.LoadBaseline(P("baseline.ngb"));
        Assert.Equal(BaselineFormat.Write(baseline), BaselineFormat.Write(read));
        Assert.Equal(["coverage", "toxicity:toxicity", "backdoor:backdoor"], read.Detectors.Select(d => d.Name));
        Assert.Equal(SlotLayout.From(loaded).Slots, read.Slots.Select(s => s.Neuron));
        var plan = MonitorPlan.Create(loaded, read);
        Assert.Equal(11, plan.Slots.Count);
    }

    [Fact]
    public void Calibrate_CatalogOfAnotherModel_FailsWithFix()
    {
        string catalogPath = Path.Combine(_dir, "other.json");
        var catalog = new Catalog
        {
            Model = new ModelShape { Fingerprint = "0000", Layers = 4, NeuronsPerLayer = 512 },
            Version = "1",
            Sets = [new NeuronSet { Name = "x", Kind = NeuronSetKind.Custom, Neurons = [new CatalogNeuron { Layer = 0, Index = 1 }] }],
        };
        ModelFiles.SaveCatalog(catalogPath, catalog);
        File.WriteAllText(Path.Combine(_dir, "b.jsonl"), "\" the cat\"\n");
        var e = Assert.Throws<CatalogException>(() => CalibrateJob.Run(new(fixture.Dir, catalogPath, Path.Combine(_dir, "b.jsonl"), Path.Combine(_dir, "b.ngb"), new CalibrateOptions(), 1), null));
        Assert.Contains("the catalog is for model 0000 but this model is", e.Message);
        Assert.False(File.Exists(Path.Combine(_dir, "b.ngb")));
    }

    [Fact]
    public void LoadBaseline_CorruptFile_NamesTheFile()
    {
        string path = Path.Combine(_dir, "bad.ngb");
        File.WriteAllBytes(path, [(byte)'N', (byte)'G', (byte)'B', (byte)'L', 1, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
        var e = Assert.Throws<BaselineFormatException>(() => ModelFiles.LoadBaseline(path));
        Assert.StartsWith(path + ": the baseline's checksum does not match", e.Message);
    }

    [Theory]
    [InlineData(10, 0.3, 3)]
    [InlineData(1000, 0.3, 300)]
    [InlineData(7, 0.5, 3)]
    public void IsHoldout_EvenSpread_HoldsOutFloorOfNTimesF(int n, double f, int expected)
    {
        Assert.Equal(expected, Enumerable.Range(0, n).Count(i => Calibrator.IsHoldout(i, f)));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
