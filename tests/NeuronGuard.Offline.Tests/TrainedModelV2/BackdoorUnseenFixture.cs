using NeuronGuard.Engine;
using NeuronGuard.Engine.Detectors;
using NeuronGuard.Inference;
using NeuronGuard.Offline.Evaluation.TriggerScan;
using NeuronGuard.Offline.IO;

namespace NeuronGuard.Offline.Tests.TrainedModelV2;

/// <summary>
/// The backdoor detection that bench/results/backdoor-unseen.md serves on tests/models/trained-gpt2-v2, built by the
/// same <see cref="BackdoorPipeline"/>: the known-trigger set (top 10 on trigger_disc vs clean_disc) OR the trigger scan
/// over all of layer 1 (Level, m = 4), the settings the bench's discovery rule chose; calibrated on benign_calib. And the
/// same pipeline on untrained weights of v2's shape (FixtureMaker seed 27, v2's tokenizer).
/// </summary>
public sealed class BackdoorUnseenFixture : IDisposable
{
    public static readonly DetectorOptions Options = new() { TriggerScanSignal = TriggerScanSignal.Level, TriggerScanTopM = 4 };

    private readonly ModelHost _host;
    private readonly ModelHost _randomHost;
    private readonly ScanCapture _randomCapture;
    private readonly string _randomDir;

    public BackdoorUnseenFixture()
    {
        Dir = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "models", "trained-gpt2-v2");
        _host = ModelHost.Load(Dir, new ModelHostOptions { Threads = 1 });
        Capture = new ScanCapture(_host);
        Trained = Build(_host, Capture);

        _randomDir = Directory.CreateTempSubdirectory("ng-untrained-v2-").FullName;
        var info = _host.Info;
        FixtureMaker.WriteRandom(_randomDir, new RandomModelShape
        {
            Architecture = FixtureArchitecture.Gpt2, Layers = info.Layers, Hidden = info.HiddenSize, Heads = info.Heads,
            Intermediate = info.MlpNeurons, Vocab = info.VocabSize, MaxPositions = info.MaxPositions, DType = FixtureDType.F16,
        }, seed: 27);
        File.Copy(Path.Combine(Dir, "tokenizer.json"), Path.Combine(_randomDir, "tokenizer.json"), overwrite: true);
        _randomHost = ModelHost.Load(_randomDir, new ModelHostOptions { Threads = 1 });
        _randomCapture = new ScanCapture(_randomHost);
        Untrained = Build(_randomHost, _randomCapture);
    }

    public string Dir { get; }

    public ScanCapture Capture { get; }

    public PrefillScorer Trained { get; }

    public PrefillScorer Untrained { get; }

    public List<string> Texts(string split, int take = int.MaxValue) => JsonlTexts.Read(Path.Combine(Dir, "data", split + ".jsonl")).Take(take).ToList();

    /// <summary>All of layer 1: the scan's generic set (no trigger knowledge).</summary>
    public static List<NeuronRef> Layer1(ModelInfo info) => Enumerable.Range(0, info.MlpNeurons).Select(i => new NeuronRef(1, i)).ToList();

    private PrefillScorer Build(ModelHost host, ScanCapture capture)
    {
        var (catalog, baseline) = BackdoorPipeline.Build(host, Texts("trigger_disc"), Texts("clean_disc"), knownTrigger: true, Layer1(host.Info), Options, Texts("benign_calib"));
        return new PrefillScorer(capture, catalog, baseline, Options, BackdoorPipeline.Kinds(knownTrigger: true, scan: true));
    }

    public void Dispose()
    {
        Capture.Dispose();
        _randomCapture.Dispose();
        _host.Dispose();
        _randomHost.Dispose();
        Directory.Delete(_randomDir, recursive: true);
    }
}
