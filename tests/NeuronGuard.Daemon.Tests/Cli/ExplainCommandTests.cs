using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Inference;
using NeuronGuard.ModelServer;
using NeuronGuard.ModelServer.Bootstrap;
using NeuronGuard.Offline.IO;
using NeuronGuard.Storage;

namespace NeuronGuard.Daemon.Tests.Cli;

/// <summary>
/// `neuronguard explain` as a user runs it: on a catalog file (in place, same version), against a real daemon
/// (--from-daemon, --put with the baseline rebound, --activate), and bad input as one line with exit 2.
/// </summary>
public sealed class ExplainCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-explain-").FullName;

    private string P(string name) => Path.Combine(_dir, name);

    private (FixtureTruth Truth, Catalog Catalog) PlantedCatalog(string model)
    {
        var truth = FixtureMaker.WritePlanted(model);
        using var host = ModelHost.Load(model, new ModelHostOptions { Threads = 1 });
        return (truth, FixtureBootstrap.CatalogFor(truth, host));
    }

    [Fact]
    public async Task CatalogFile_ExplainedInPlace_BackdoorNeuronPromotesUnlockedFirst()
    {
        var (truth, catalog) = PlantedCatalog(P("model"));
        ModelFiles.SaveCatalog(P("catalog.json"), catalog);
        var run = await CliProcess.RunAsync("explain", "--model", P("model"), "--catalog", P("catalog.json"), "--top-k", "4");
        Assert.True(run.Code == 0, run.Err);
        var backdoor = truth.Sets.Single(s => s.Kind == PlantedKind.Backdoor).Neurons[0];
        Assert.Contains($"L{backdoor.Layer}:{backdoor.Neuron} ↑\" unlocked\"", run.Out);
        Assert.Contains("explained 10 neurons of catalog 'fixture-1'", run.Out);
        Assert.Contains("10/10 neurons", run.Err); // progress

        var explained = ModelFiles.LoadCatalog(P("catalog.json"));
        Assert.Equal(catalog.Version, explained.Version); // a file keeps its version: explanations change no slot
        var neuron = explained.Sets.Single(s => s.Name == "backdoor").Neurons.Single();
        Assert.Equal(" unlocked", neuron.Explanation!.Promotes[0]);
        Assert.Equal(4, neuron.Explanation.Promotes.Count);
        Assert.Equal(4, neuron.Explanation.Suppresses.Count);
        Assert.All(explained.Sets.SelectMany(s => s.Neurons), n => Assert.NotNull(n.Explanation));
        Assert.Equal(catalog.Sets.SelectMany(s => s.Neurons.Select(n => (n.Layer, n.Index, n.Score))), explained.Sets.SelectMany(s => s.Neurons.Select(n => (n.Layer, n.Index, n.Score))));
    }

    [Fact]
    public async Task BadInput_OneLineAndExit2()
    {
        var (_, catalog) = PlantedCatalog(P("model"));
        ModelFiles.SaveCatalog(P("catalog.json"), catalog);
        FixtureMaker.WriteRandom(P("other"), new RandomModelShape { Architecture = FixtureArchitecture.Gpt2, Layers = 4, Hidden = 32, Heads = 2, Intermediate = 512, Vocab = 300, MaxPositions = 64 });
        (string[] Args, string Says)[] cases =
        [
            (["--model", P("absent"), "--catalog", P("catalog.json")], "model folder"),
            (["--model", P("other"), "--catalog", P("catalog.json")], "the catalog is for model"),
            (["--model", P("model"), "--catalog", P("catalog.json"), "--top-k", "0"], "--top-k 0 is out of range"),
            (["--model", P("model"), "--catalog", P("missing.json")], "does not exist"),
            (["--model", P("model")], "give either --catalog FILE or --from-daemon"),
            (["--model", P("model"), "--catalog", P("catalog.json"), "--activate"], "--baseline and --activate go with --put"),
        ];
        foreach (var (args, says) in cases)
        {
            var run = await CliProcess.RunAsync(["explain", .. args]);
            Assert.True(run.Code == 2, $"{string.Join(' ', args)}: exit {run.Code}\n{run.Out}{run.Err}");
            Assert.Contains(says, run.Err);
            Assert.Single(run.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        Assert.Null(ModelFiles.LoadCatalog(P("catalog.json")).Sets[0].Neurons[0].Explanation); // nothing written on failure
    }

    [Fact]
    public async Task FromDaemon_PutWithBaselineAndActivate_ExplainedPairServes()
    {
        await using var daemon = await ServeHost.StartAsync(new DaemonOptions
        {
            Listen = "127.0.0.1:0", DataDir = P("data"), LogLevel = "Warning", Metrics = new MetricsOptions { Listen = "" },
        });
        string server = daemon.Address.ToString();
        string model = Path.Combine(P("data"), "fixture");
        string fp = daemon.BuiltinHost()!.Host.Info.Fingerprint;

        var read = await CliProcess.RunAsync("explain", "--model", model, "--from-daemon", "--server", server, "--out", P("active.json"));
        Assert.True(read.Code == 0, read.Err);
        Assert.Equal(FixtureBootstrap.CatalogVersion, ModelFiles.LoadCatalog(P("active.json")).Version);

        var refused = await CliProcess.RunAsync("explain", "--model", model, "--from-daemon", "--server", server, "--put", "--version", "no-baseline", "--activate");
        Assert.Equal(1, refused.Code); // a catalog without a baseline would leave the model unscored: the daemon says so
        Assert.Contains("FAILED_PRECONDITION", refused.Err);

        var baseline = await daemon.Context.Store.GetRecordAsync(RecordKind.Baseline, fp, FixtureBootstrap.CatalogVersion);
        await File.WriteAllBytesAsync(P("baseline.ngb"), baseline!.Payload.ToArray());
        var put = await CliProcess.RunAsync("explain", "--model", model, "--from-daemon", "--server", server, "--put", "--baseline", P("baseline.ngb"), "--activate");
        Assert.True(put.Code == 0, put.Err);
        string version = FixtureBootstrap.CatalogVersion + "-explained";
        Assert.Contains($"activated catalog '{version}'", put.Out);
        var active = await daemon.Context.Store.GetActiveAsync(fp);
        Assert.Equal(version, active.CatalogVersion);
        for (int i = 0; i < 200 && daemon.Context.Plans.Get(fp).CatalogVersion != version; i++)
        {
            await Task.Delay(25);
        }
        var plan = daemon.Context.Plans.Get(fp);
        Assert.NotNull(plan.Plan); // the rebound baseline fits: the model is still scored
        Assert.Equal(10, plan.Explanations.Count);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
