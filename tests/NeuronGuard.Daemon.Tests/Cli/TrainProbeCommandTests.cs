using NeuronGuard.Engine.Probes;
using NeuronGuard.Inference;
using NeuronGuard.Offline.IO;
using NeuronGuard.Offline.Prompts;

namespace NeuronGuard.Daemon.Tests.Cli;

/// <summary>
/// `neuronguard discover`, `neuronguard train-probe` and `neuronguard catalog add-probe` as a user runs them: a readable probe
/// file, a catalog holding it, and a one-line error for bad input.
/// </summary>
public sealed class TrainProbeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-train-probe-").FullName;

    private string P(string name) => Path.Combine(_dir, name);

    [Fact]
    public async Task DiscoverThenTrainProbe_WritesAProbe_BadRateIsOneLine()
    {
        var truth = FixtureMaker.WritePlanted(P("model"));
        var prompts = FixturePrompts.Generate(truth, new PromptCounts { DiscoveryPositive = 30, DiscoveryBenign = 40, CalibrationBenign = 40, HeldOutPositive = 1, HeldOutBenign = 1 });
        JsonlTexts.Write(P("tox.jsonl"), prompts.Discovery.Toxic);
        JsonlTexts.Write(P("neg.jsonl"), prompts.Discovery.Benign);
        JsonlTexts.Write(P("benign.jsonl"), prompts.Calibration);
        var discover = await CliProcess.RunAsync("discover", "--model", P("model"), "--positive", P("tox.jsonl"), "--negative", P("neg.jsonl"),
            "--kind", "toxicity", "--top-k", "12", "--out", P("catalog.json"), "--threads", "1");
        Assert.True(discover.Code == 0, discover.Err);

        string[] common = ["train-probe", "--model", P("model"), "--catalog", P("catalog.json"), "--set", "toxicity", "--positive", P("tox.jsonl"),
            "--negative", P("neg.jsonl"), "--calibration", P("benign.jsonl"), "--threads", "1"];
        var train = await CliProcess.RunAsync([.. common, "--out", P("probe.json"), "--fpr", "0.05"]);
        Assert.True(train.Code == 0, train.Err);
        Assert.Contains("trained a sparse probe on set 'toxicity'", train.Out);
        var probe = SparseProbeJson.Deserialize(File.ReadAllText(P("probe.json")));
        Assert.Equal(12, probe.Neurons.Count);
        Assert.True(probe.NonZero > 0 && float.IsFinite(probe.Threshold));
        Assert.Equal(0.05f, probe.TargetFpr);

        // catalog add-probe: the probe goes into the catalog as a new version, under detector probe:toxicity.
        var add = await CliProcess.RunAsync("catalog", "add-probe", P("catalog.json"), P("probe.json"), "--version", "with-probe", "--out", P("with-probe.json"));
        Assert.True(add.Code == 0, add.Err);
        Assert.Contains("as detector probe:toxicity", add.Out);
        var attached = Assert.Single(ModelFiles.LoadCatalog(P("with-probe.json")).Probes!);
        Assert.Equal(("toxicity", "toxicity", probe.NonZero), (attached.Name, attached.Set, attached.Neurons.Count));
        var again = await CliProcess.RunAsync("catalog", "add-probe", P("with-probe.json"), P("probe.json"), "--version", "again");
        Assert.Equal(1, again.Code);
        Assert.Contains("already has a probe 'toxicity': pass --replace", again.Err);
        File.WriteAllText(P("other.json"), File.ReadAllText(P("probe.json")).Replace(probe.Fingerprint, "0123456789abcdef"));
        var other = await CliProcess.RunAsync("catalog", "add-probe", P("catalog.json"), P("other.json"), "--out", P("x.json"));
        Assert.Equal(1, other.Code);
        Assert.Contains("was trained on model 0123456789abcdef", other.Err);
        Assert.False(File.Exists(P("x.json")));

        var bad = await CliProcess.RunAsync([.. common, "--out", P("bad.json"), "--fpr", "2"]);
        Assert.Equal(1, bad.Code);
        Assert.Contains("--fpr 2 is out of range", bad.Err);
        Assert.Single(bad.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(File.Exists(P("bad.json")));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
