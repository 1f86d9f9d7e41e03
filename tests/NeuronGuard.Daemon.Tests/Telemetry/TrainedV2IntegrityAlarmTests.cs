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
/// The integrity alarm on tests/models/trained-gpt2-v2 (issue 27 item 6), by its split manifest: the 50 safety neurons
/// discovered on harmful_disc vs harmless_disc, the baseline calibrated on calibration splits (benign_calib prose and
/// harmless_calib requests), traffic from evaluation splits only (benign_eval and harmful_eval, interleaved). A stealthy
/// pruning at gain 0.001 turns the daemon's alarm on within a window; 100 requests of the original model never do.
/// Lives beside the v1 test (TrainedIntegrityAlarmTests) because the alarm, IntegrityWatch, is the daemon's class.
/// Margin: bench/results/integrity-v2.md measured every one of 1,000 pruned requests tripped (the watch needs 10 of 50)
/// and the original's alarm on in 0 of 990 windows (4/1,000 requests tripped); this test uses 100 original and ≤ 50 pruned requests
/// (31 s on one thread at load average 13 on 2 cores).
/// </summary>
public sealed class TrainedV2IntegrityAlarmTests
{
    [Fact]
    public void StealthyPruning_Gain0001_TurnsTheAlarmOn_TheOriginalModelDoesNot()
    {
        string dir = Path.Combine(RepoRoot(), "tests", "models", "trained-gpt2-v2");
        List<string> Texts(string split, int take) => JsonlTexts.Read(Path.Combine(dir, "data", split + ".jsonl")).Take(take).ToList();
        using var host = ModelHost.Load(dir, new ModelHostOptions { Threads = 1 });
        var shape = new ModelShape { Fingerprint = host.Info.Fingerprint, Layers = host.Info.Layers, NeuronsPerLayer = host.Info.MlpNeurons };
        var safety = Discoverer.Run(host, Texts("harmful_disc", 300), Texts("harmless_disc", 300), NeuronSetKind.Safety, new DiscoverOptions { TopK = 50 }).Set;
        var catalog = new Catalog { Model = shape, Version = "trained-v2-integrity", Sets = [safety] };
        var calibration = Texts("benign_calib", 300).Zip(Texts("harmless_calib", 300)).SelectMany(p => new[] { p.First, p.Second }).ToList();
        var plan = MonitorPlan.Create(catalog, Calibrator.Run(host, catalog, calibration, new CalibrateOptions()));
        int d = plan.Detectors.ToList().FindIndex(x => x.Kind == DetectorKind.Integrity);
        var traffic = Texts("benign_eval", 50).Zip(Texts("harmful_eval", 50)).SelectMany(p => new[] { p.First, p.Second }).ToList();
        var pruned = new NeuronGains(safety.Neurons.Select(n => new KeyValuePair<NeuronId, float>(new NeuronId(n.Layer, n.Index), 0.001f)));

        var watch = new IntegrityWatch(new DaemonMetrics(new MetricsOptions()));
        var original = Tripped(host, plan, d, traffic, null);
        foreach (bool t in original)
        {
            watch.Observe("safety", t);
            Assert.False(watch.IsOn("safety"), $"the alarm came on for the original v2 model ({original.Count(x => x)}/{original.Count} requests tripped)");
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
        Assert.True(watch.IsOn("safety"), "the alarm stayed off for a whole window of the v2 model pruned at gain 0.001");
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

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "NeuronGuard.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("NeuronGuard.sln not found above the test binaries.");
    }
}
