using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Inference;
using NeuronGuard.Offline.IO;
using NeuronGuard.Offline.Jobs;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Daemon.Tests.EndToEnd;

/// <summary>
/// A sparse probe on the committed trained model, made once for a test class the way an operator makes it: discover a
/// 64-neuron toxicity set (toxic_train vs benign_train), <c>train-probe</c> on the same splits, <c>catalog add-probe</c>.
/// </summary>
public sealed class TrainedProbe : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("ng-trained-probe-e2e-").FullName;

    public TrainedProbe()
    {
        ModelDir = Path.Combine(RepoRoot(), "tests", "models", "trained-gpt2");
        string P(string file) => Path.Combine(_work, file);
        using (var host = ModelHost.Load(ModelDir, new ModelHostOptions { Threads = 1 }))
        {
            Fingerprint = host.Info.Fingerprint;
            var set = Discoverer.Run(host, Texts("toxic_train", 200), Texts("benign_train", 200), NeuronSetKind.Toxicity, new DiscoverOptions { TopK = 64 }).Set;
            var model = new ModelShape { Fingerprint = host.Info.Fingerprint, Layers = host.Info.Layers, NeuronsPerLayer = host.Info.MlpNeurons };
            ModelFiles.SaveCatalog(P("catalog.json"), new Catalog { Model = model, Version = "tox-1", Sets = [set] });
        }
        JsonlTexts.Write(P("pos.jsonl"), Texts("toxic_train", 400));
        JsonlTexts.Write(P("neg.jsonl"), Texts("benign_train", 400));
        JsonlTexts.Write(P("calib.jsonl"), Texts("benign_calib", 100));
        TrainProbeJob.Run(new TrainProbeJob.Request(ModelDir, P("catalog.json"), "toxicity", P("pos.jsonl"), P("neg.jsonl"), P("calib.jsonl"),
            P("probe.json"), Lambda: 0.01, TargetFpr: 0.05f, DecodeSteps: 4, Threads: 1), null);
        Catalog = AddProbeJob.Run(new AddProbeJob.Request(P("catalog.json"), P("probe.json"), Name: "tox", Version: "tox-2", Output: P("with-probe.json"), Replace: false)).Catalog;
    }

    public string ModelDir { get; }

    public string Fingerprint { get; }

    /// <summary>The catalog with the probe "tox" attached (version "tox-2").</summary>
    public Catalog Catalog { get; }

    /// <summary>The first <paramref name="take"/> texts of the trained model's split data/NAME.jsonl.</summary>
    public List<string> Texts(string split, int take) =>
        JsonlTexts.Read(Path.Combine(ModelDir, "data", split + ".jsonl")).Take(take).ToList();

    public void Dispose() => Directory.Delete(_work, recursive: true);

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
