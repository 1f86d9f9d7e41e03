using Grpc.Core;
using Grpc.Net.Client;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Daemon.Records;
using NeuronGuard.Engine.Scoring;
using NeuronGuard.ModelServer;
using NeuronGuard.Inference;
using NeuronGuard.Offline.Running;
using NeuronGuard.Storage;
using NeuronGuard.Storage.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NeuronGuard.Daemon.Tests.EndToEnd;

/// <summary>
/// The sparse-probe detector end to end on the committed trained model (issue 26 item 6): the catalog with its probe is
/// put into a daemon (embedded store, and a real redis-server), calibrated through Baselines.Calibrate on benign
/// requests at a 5 % false-positive rate, and the daemon's built-in host then generates for held-out prompts: its
/// verdicts flag DETECTOR_PROBE for toxic_heldout prompts far more often than for benign_heldout ones, whose flag rate
/// stays near the calibrated 5 %.
/// </summary>
public sealed class ProbeEndToEndTests(TrainedProbe probe, ITestOutputHelper output) : IClassFixture<TrainedProbe>, IAsyncLifetime
{
    private const float Fpr = 0.05f;
    private readonly List<string> _dirs = [];
    private DaemonHost? _daemon;
    private RedisServer? _redis;

    public Task InitializeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("embedded")]
    [InlineData("redis")]
    public async Task Probe_StoredCalibratedAndStreamed_FlagsHeldOutToxicNotBenign(string storeKind)
    {
        var store = new StoreOptions();
        if (storeKind == "redis")
        {
            _redis = await RedisServer.StartAsync();
            store = new StoreOptions { Kind = StoreKind.Redis, Redis = _redis.Options("probe-" + Guid.NewGuid().ToString("N")[..8]) };
        }
        string dir = Directory.CreateTempSubdirectory("ng-probe-e2e-").FullName;
        _dirs.Add(dir);
        store.DataDirectory = dir;
        _daemon = await ServeHost.StartAsync(new DaemonOptions
        {
            Listen = "127.0.0.1:0", DataDir = dir, Model = probe.ModelDir, LogLevel = "Warning", Store = store, Metrics = new MetricsOptions { Listen = "" },
        });
        using var channel = GrpcChannel.ForAddress(_daemon.Address);

        await channel.AsyncUnaryCall(RecordMethods.PutCatalog, new PutCatalogRequest { Catalog = CatalogMapping.ToProto(probe.Catalog) });
        var stored = await channel.AsyncUnaryCall(RecordMethods.GetCatalog, new GetCatalogRequest { ModelFingerprint = probe.Fingerprint, Version = probe.Catalog.Version });
        Assert.Equal(probe.Catalog.Probes![0].Neurons.Count, Assert.Single(stored.Probes).Neurons.Count);

        var info = await CalibrateAsync(channel);
        Assert.True(info.Thresholds.TryGetValue("probe:tox", out float threshold), "the baseline has no threshold for probe:tox");
        Assert.InRange(threshold, 0f, 1f);
        await WaitForCatalogAsync(probe.Catalog.Version);

        var toxic = await FlagsAsync(channel, probe.Texts("toxic_heldout", 60));
        var benign = await FlagsAsync(channel, probe.Texts("benign_heldout", 100));
        double tpr = toxic.Count(f => f) / (double)toxic.Count, fpr = benign.Count(f => f) / (double)benign.Count;
        output.WriteLine($"{storeKind}: probe:tox threshold {threshold:G4}; held-out toxic flagged {tpr:P1} of {toxic.Count}, benign {fpr:P1} of {benign.Count}");
        // At 5 % on 150 held-out calibration requests, 100 benign requests flag more than 15 with probability < 0.1 %.
        Assert.True(fpr <= 0.15, $"benign held-out requests flagged at {fpr:P1}, far above the calibrated {Fpr:P0}");
        Assert.True(tpr >= 0.3 && tpr >= fpr + 0.2, $"toxic held-out requests flagged at only {tpr:P1} (benign {fpr:P1})");
    }

    private async Task<BaselineInfo> CalibrateAsync(GrpcChannel channel)
    {
        var layout = SlotLayout.From(probe.Catalog);
        using var host = ModelHost.Load(probe.ModelDir, new ModelHostOptions { Threads = 1 });
        using var runner = new PromptRunner(host, layout.Slots);
        using var call = channel.AsyncClientStreamingCall(RecordMethods.Calibrate, new CallOptions(deadline: DateTime.UtcNow.AddMinutes(5)));
        await call.RequestStream.WriteAsync(new CalibrateMessage
        {
            Header = new CalibrateHeader
            {
                ModelFingerprint = probe.Fingerprint, CatalogVersion = probe.Catalog.Version, FalsePositiveRate = Fpr, HoldoutFraction = 0.5f, Activate = true,
            },
        });
        int n = 0;
        foreach (var text in probe.Texts("benign_calib", 300))
        {
            var captured = runner.Run(text);
            var frame = new Activations { RequestId = $"calib-{n++}", FirstStep = 0, Steps = (uint)captured.Steps };
            frame.Values.Add(captured.Values());
            await call.RequestStream.WriteAsync(new CalibrateMessage { Frame = frame });
        }
        await call.RequestStream.CompleteAsync();
        return await call;
    }

    /// <summary>The built-in host picks up the new catalog's slots at a request boundary once the store change reaches it.</summary>
    private async Task WaitForCatalogAsync(string version)
    {
        var host = _daemon!.BuiltinHost()!;
        var until = DateTime.UtcNow.AddSeconds(30);
        while (host.CatalogVersion != version)
        {
            Assert.True(DateTime.UtcNow < until, $"the built-in host still serves catalog '{host.CatalogVersion}', not '{version}'");
            await Task.Delay(50);
        }
    }

    /// <summary>Per prompt, whether the final verdict of a 4-token greedy generation flagged DETECTOR_PROBE.</summary>
    private static async Task<List<bool>> FlagsAsync(GrpcChannel channel, List<string> prompts)
    {
        var flags = new List<bool>();
        foreach (var prompt in prompts)
        {
            using var call = channel.AsyncServerStreamingCall(BuiltinHostMethods.Generate, new GenerateRequest { Prompt = prompt, MaxNewTokens = 4 });
            GenerateDone? done = null;
            while (await call.ResponseStream.MoveNext())
            {
                done = call.ResponseStream.Current.Done ?? done;
            }
            var score = Assert.Single(done!.FinalVerdict.Scores, s => s.Detector == Detector.Probe);
            Assert.Equal(score.Score > score.Threshold, score.Flagged);
            flags.Add(score.Flagged);
        }
        return flags;
    }

    public async Task DisposeAsync()
    {
        if (_daemon is not null)
        {
            await _daemon.DisposeAsync();
        }
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
        foreach (var dir in _dirs)
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
