using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;

namespace NeuronGuard.Engine.Tests;

/// <summary>Small hand-made catalogs and baselines shared by the tests.</summary>
internal static class TestCatalogs
{
    public const string Fingerprint = "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";

    public static ModelShape Model => new() { Fingerprint = Fingerprint, Layers = 12, NeuronsPerLayer = 3072 };

    public static Provenance Provenance => new() { Method = "aura-auroc", Data = "pos.jsonl vs neg.jsonl", Date = "2026-11-22" };

    public static CatalogNeuron N(int layer, int index, double? score = null, double? gain = null) =>
        new() { Layer = layer, Index = index, Score = score, Gain = gain };

    public static NeuronSet Set(string name, NeuronSetKind kind, params CatalogNeuron[] neurons) =>
        new() { Name = name, Kind = kind, Neurons = neurons, Provenance = Provenance };

    /// <summary>Slots: 0 = (1,10) tox, 1 = (2,20) tox, 2 = (3,30) safety, 3 = (4,40) backdoor.</summary>
    public static Catalog Small() => new()
    {
        Model = Model,
        Version = "v1",
        Sets =
        [
            Set("tox", NeuronSetKind.Toxicity, N(1, 10, 0.9, 0.2), N(2, 20, 0.7, 0.6)),
            Set("safe", NeuronSetKind.Safety, N(3, 30, 0.95)),
            Set("bd", NeuronSetKind.Backdoor, N(4, 40)),
        ],
    };

    /// <summary>Every slot: mean 0, std 1, delta RMS 1, range [−1, 1] over 4 bins, covered in the middle two.</summary>
    public static Baseline BaselineFor(Catalog catalog, params DetectorCalibration[] detectors)
    {
        var layout = Engine.Scoring.SlotLayout.From(catalog);
        return new Baseline
        {
            Fingerprint = catalog.Model.Fingerprint,
            CatalogVersion = catalog.Version,
            Bins = 4,
            MassThreshold = 0.1f,
            TargetFpr = 0.01f,
            Slots = layout.Slots.Select(n => new SlotBaseline(n, 0f, 1f, 1f, -1f, 1f, [0, 32768, 32767, 0])).ToArray(),
            Detectors = detectors,
        };
    }

    public static DetectorCalibration[] Thresholds(float value) =>
        new[] { "coverage", "toxicity:tox", "safety:safe", "integrity:safe", "backdoor:bd" }.Select(n => new DetectorCalibration(n, value, [])).ToArray();
}
