using System.Text.RegularExpressions;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Daemon.Tests.Cli;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.ModelServer;
using NeuronGuard.Storage;
using Catalog = NeuronGuard.Engine.Catalogs.Catalog;

namespace NeuronGuard.Daemon.Tests.Metrics;

/// <summary>
/// Issue 24 item 12: the catalog's model name becomes a bounded <c>model_name</c> label beside the 64-character
/// fingerprint on the per-model (neuron view) series. A real daemon serving the fixture, a named catalog activated with
/// the real `neuronguard ctl`, and its /metrics scraped over HTTP.
/// </summary>
public sealed class ModelNameLabelTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-model-name-").FullName;
    private DaemonHost _daemon = null!;

    public async Task InitializeAsync() => _daemon = await ServeHost.StartAsync(new DaemonOptions
    {
        Listen = "127.0.0.1:0", DataDir = _dir, LogLevel = "Warning", Metrics = new MetricsOptions { Listen = "127.0.0.1:0" },
    });

    public async Task DisposeAsync()
    {
        await _daemon.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task NamedCatalogActivated_NeuronSeriesCarryModelName_NextToTheFingerprint()
    {
        string fp = _daemon.BuiltinHost()!.Host.Info.Fingerprint;
        var plan = _daemon.Context.Plans.Get(fp).Plan!;
        var catalog = plan.Layout.Catalog with { Version = "named-1", Model = plan.Layout.Catalog.Model with { Name = "planted-fixture" } };
        var baseline = plan.Baseline with { CatalogVersion = "named-1" };
        var store = _daemon.Context.Store;
        await store.PutRecordAsync(RecordKind.Catalog, fp, "named-1", Catalog.CurrentFormat, CatalogJson.Serialize(catalog), "test");
        await store.PutRecordAsync(RecordKind.Baseline, fp, "named-b1", BaselineFormat.Version, BaselineFormat.Write(baseline), "test");
        using var http = new HttpClient();
        Assert.DoesNotContain("model_name=\"planted-fixture\"", await http.GetStringAsync(_daemon.MetricsAddress));

        var (code, _, err) = await CliProcess.RunAsync("ctl", "--server", _daemon.Address.ToString(), "catalog", "activate", "--model", fp, "named-1");
        Assert.True(code == 0, err);

        var wanted = new Regex($"^neuronguard_neuron_baseline_mean\\{{model=\"{fp}\",model_name=\"planted-fixture\",set=\"backdoor\",neuron=\"L\\d+N\\d+\"\\}} ", RegexOptions.Multiline);
        string text = "";
        var deadline = DateTime.UtcNow.AddSeconds(60); // a bound for the store sync to rebuild the plan, not a timing check
        while (!wanted.IsMatch(text) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            text = await http.GetStringAsync(_daemon.MetricsAddress);
        }
        Assert.Matches(wanted, text);
        Assert.Matches($"neuronguard_neuron_activation_mean\\{{model=\"{fp}\",model_name=\"planted-fixture\",set=\"", text);
        Assert.DoesNotContain("model_name=\"\"", text); // the unnamed catalog's series went with it
    }

    [Fact]
    public void ModelName_BoundedInLengthByTheCatalog_AndInValuesByTheMetrics()
    {
        var plan = _daemon.Context.Plans.Get(_daemon.BuiltinHost()!.Host.Info.Fingerprint).Plan!;
        var named = plan.Layout.Catalog with { Model = plan.Layout.Catalog.Model with { Name = new string('m', ModelShape.MaxNameLength) } };
        Assert.Equal(named.Model.Name, CatalogJson.Parse(CatalogJson.Serialize(named)).Model.Name);
        var tooLong = named with { Model = named.Model with { Name = new string('m', ModelShape.MaxNameLength + 1) } };
        var e = Assert.Throws<CatalogException>(() => CatalogJson.Parse(CatalogJson.Serialize(tooLong)));
        Assert.Contains("model.name must be 1 to 64 characters", e.Message);

        var metrics = _daemon.Context.Metrics;
        for (int i = 0; i < DaemonMetrics.MaxModelNames; i++)
        {
            Assert.Equal($"model-{i}", metrics.ModelNameLabel($"model-{i}"));
        }
        Assert.Equal("other", metrics.ModelNameLabel("one-too-many"));
        Assert.Equal("model-3", metrics.ModelNameLabel("model-3"));
        Assert.Equal("", metrics.ModelNameLabel(null));
    }
}
