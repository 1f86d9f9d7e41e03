using NeuronGuard.Engine.Catalogs;
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
        string dir = Path.Combine(TrainedIntegrityAlarmTests.RepoRoot(), "tests", "models", "trained-gpt2-v2");
        List<string> Texts(string split, int take) => JsonlTexts.Read(Path.Combine(dir, "data", split + ".jsonl")).Take(take).ToList();
        using var host = ModelHost.Load(dir, new ModelHostOptions { Threads = 1 });
        var shape = new ModelShape { Fingerprint = host.Info.Fingerprint, Layers = host.Info.Layers, NeuronsPerLayer = host.Info.MlpNeurons };
        var safety = Discoverer.Run(host, Texts("harmful_disc", 300), Texts("harmless_disc", 300), NeuronSetKind.Safety, new DiscoverOptions { TopK = 50 }).Set;
        var catalog = new Catalog { Model = shape, Version = "trained-v2-integrity", Sets = [safety] };
        var calibration = Texts("benign_calib", 300).Zip(Texts("harmless_calib", 300)).SelectMany(p => new[] { p.First, p.Second }).ToList();
        var plan = MonitorPlan.Create(catalog, Calibrator.Run(host, catalog, calibration, new CalibrateOptions()));
        var traffic = Texts("benign_eval", 50).Zip(Texts("harmful_eval", 50)).SelectMany(p => new[] { p.First, p.Second }).ToList();
        TrainedIntegrityAlarmTests.AssertPruningAlarms(host, plan, safety, traffic, "the original v2 model");
    }
}
