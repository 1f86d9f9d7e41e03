using System.Text.RegularExpressions;
using NeuronGuard.Engine;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Detectors;
using NeuronGuard.Engine.Scoring;
using NeuronGuard.Inference;
using NeuronGuard.Offline.IO;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Offline.Tests.TrainedModel;

/// <summary>
/// The committed trained GPT-2 (tests/models/trained-gpt2, never retrained by tests), loaded once, with a catalog
/// discovered from small samples of its training splits and a baseline calibrated on held-out benign text.
/// </summary>
public sealed class TrainedModelFixture : IDisposable
{
    private readonly Regex _listed;

    public TrainedModelFixture()
    {
        Dir = ModelDir;
        Host = ModelHost.Load(Dir, new ModelHostOptions { Threads = 1 });
        var words = File.ReadAllLines(Path.Combine(Dir, "data", "badwords.txt")).Where(w => w.Length > 0).Select(Regex.Escape);
        _listed = new Regex(@"\b(" + string.Join("|", words) + @")\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        var model = new ModelShape { Fingerprint = Host.Info.Fingerprint, Layers = Host.Info.Layers, NeuronsPerLayer = Host.Info.MlpNeurons };
        Catalog = new Catalog
        {
            Model = model,
            Version = "trained-tests",
            Sets =
            [
                Discover(NeuronSetKind.Toxicity, "toxic_train", "benign_train", 10),
                Discover(NeuronSetKind.Safety, "harmful_train", "harmless_train", 50),
                Discover(NeuronSetKind.Backdoor, "trigger_train", "clean_train", 10),
            ],
        };
        Baseline = Calibrator.Run(Host, Catalog, Texts("benign_calib", 200), new CalibrateOptions());
        Plan = MonitorPlan.Create(Catalog, Baseline);
    }

    public string Dir { get; }

    /// <summary>tests/models/trained-gpt2 in this checkout.</summary>
    public static string ModelDir => Path.Combine(RepoRoot(), "tests", "models", "trained-gpt2");

    public ModelHost Host { get; }

    public Catalog Catalog { get; }

    public Baseline Baseline { get; }

    public MonitorPlan Plan { get; }

    /// <summary>Every neuron ranked by its safety AUROC (harmful vs harmless requests), best first.</summary>
    public NeuronRef[] SafetyRanking { get; private set; } = [];

    public NeuronSet Set(NeuronSetKind kind) => Catalog.Sets.First(s => s.Kind == kind);

    public int Detector(DetectorKind kind) => Plan.Detectors.ToList().FindIndex(d => d.Kind == kind);

    /// <summary>The first <paramref name="take"/> texts of split data/NAME.jsonl (README.md lists the splits).</summary>
    public List<string> Texts(string split, int take = int.MaxValue) => JsonlTexts.Read(Path.Combine(Dir, "data", split + ".jsonl")).Take(take).ToList();

    /// <summary>Whether a text holds a word of the npm badwords-list profanity list.</summary>
    public bool HasListedWord(string text) => _listed.IsMatch(text);

    public static bool IsRefusal(string text) => text.Contains("sorry", StringComparison.OrdinalIgnoreCase) || text.Contains("can't help", StringComparison.OrdinalIgnoreCase);

    public void Dispose() => Host.Dispose();

    private NeuronSet Discover(NeuronSetKind kind, string positive, string negative, int top)
    {
        var result = Discoverer.Run(Host, Texts(positive, 100), Texts(negative, 100), kind, new DiscoverOptions { TopK = top });
        if (kind == NeuronSetKind.Safety)
        {
            SafetyRanking = result.Ranked.Select(r => r.Neuron).ToArray();
        }
        return result.Set;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NeuronGuard.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No NeuronGuard.sln above {AppContext.BaseDirectory}: run the tests from the repository checkout.");
    }
}

/// <summary>Shares the loaded trained model across its test classes.</summary>
[CollectionDefinition(Name)]
public sealed class TrainedModelCollection : ICollectionFixture<TrainedModelFixture>
{
    public const string Name = "trained model";
}
