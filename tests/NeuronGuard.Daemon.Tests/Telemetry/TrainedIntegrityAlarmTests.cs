using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Daemon.Monitoring;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Detectors;
using NeuronGuard.Engine.Scoring;
using NeuronGuard.Inference;
using NeuronGuard.Offline.IO;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Daemon.Tests.Telemetry;

/// <summary>
/// The integrity alarm on the committed trained model (issue 27 item 6): a stealthy pruning of the safety set at gain
/// 0.001 (refusals fall as at gain 0, and no neuron is exactly constant) turns the daemon's alarm on within a window of
/// requests, while a window of the original model's traffic (benign and harmful requests) leaves it off.
/// bench/results/integrity.md measures gains 0, 0.001, 0.1 and mean shifts on 1,000 requests.
/// </summary>
public sealed class TrainedIntegrityAlarmTests
{
    [Fact]
    public void StealthyPruning_Gain0001_TurnsTheAlarmOn_TheOriginalModelDoesNot()
    {
        string dir = Path.Combine(RepoRoot(), "tests", "models", "trained-gpt2");
        List<string> Texts(string split, int take) => JsonlTexts.Read(Path.Combine(dir, "data", split + ".jsonl")).Take(take).ToList();
        using var host = ModelHost.Load(dir, new ModelHostOptions { Threads = 1 });
        var shape = new ModelShape { Fingerprint = host.Info.Fingerprint, Layers = host.Info.Layers, NeuronsPerLayer = host.Info.MlpNeurons };
        var safety = Discoverer.Run(host, Texts("harmful_train", 100), Texts("harmless_train", 100), NeuronSetKind.Safety, new DiscoverOptions { TopK = 50 }).Set;
        var catalog = new Catalog { Model = shape, Version = "trained-integrity", Sets = [safety] };
        var plan = MonitorPlan.Create(catalog, Calibrator.Run(host, catalog, Texts("benign_calib", 500), new CalibrateOptions()));
        var traffic = Texts("benign_heldout", 40).Zip(Texts("harmful_heldout", 40)).SelectMany(p => new[] { p.First, p.Second }).ToList();
        AssertPruningAlarms(host, plan, safety, traffic, "the original model");
    }

    /// <summary>
    /// Feeds the original model's <paramref name="traffic"/> to an IntegrityWatch (the alarm must stay off throughout),
    /// then a window of the same traffic with the safety set pruned at gain 0.001 (the alarm must come on within it).
    /// Shared by the v1 and v2 tests: only the model, its splits and the wording differ.
    /// </summary>
    internal static void AssertPruningAlarms(ModelHost host, MonitorPlan plan, NeuronSet safety, List<string> traffic, string model)
    {
        int d = plan.Detectors.ToList().FindIndex(x => x.Kind == DetectorKind.Integrity);
        var pruned = new NeuronGains(safety.Neurons.Select(n => new KeyValuePair<NeuronId, float>(new NeuronId(n.Layer, n.Index), 0.001f)));
        var watch = new IntegrityWatch(new DaemonMetrics(new MetricsOptions()));
        var original = Tripped(host, plan, d, traffic, null);
        foreach (bool t in original)
        {
            watch.Observe("safety", t);
            Assert.False(watch.IsOn("safety"), $"the alarm came on for {model} ({original.Count(x => x)}/{original.Count} requests tripped)");
        }
        int delay = 0;
        foreach (bool t in Tripped(host, plan, d, traffic.Take(IntegrityWatch.Window).ToList(), pruned))
        {
            delay++;
            watch.Observe("safety", t);
            if (watch.IsOn("safety"))
            {
                break;
            }
        }
        Assert.True(watch.IsOn("safety"), $"the alarm stayed off for a whole window of {model} pruned at gain 0.001");
        Assert.InRange(delay, 1, IntegrityWatch.OnTrips);
    }

    private static List<bool> Tripped(ModelHost host, MonitorPlan plan, int detector, List<string> texts, NeuronGains? gains)
    {
        using var runner = new PromptRunner(host, plan.Slots, gains);
        return texts.Select(t =>
        {
            using var scorer = plan.Rent();
            RequestScoring.Feed(scorer, runner.Run(t));
            return scorer.Results[detector].Flag;
        }).ToList();
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "NeuronGuard.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("NeuronGuard.sln not found above the test binaries.");
    }
}
