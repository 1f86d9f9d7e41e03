using Microsoft.Extensions.Logging;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using Catalog = NeuronGuard.Engine.Catalogs.Catalog;
using NeuronGuard.Inference;
using NeuronGuard.Inference.Explaining;
using NeuronGuard.Offline.Jobs;
using NeuronGuard.Offline.IO;
using NeuronGuard.Offline.Prompts;
using NeuronGuard.Offline.Running;
using NeuronGuard.Storage;

namespace NeuronGuard.ModelServer.Bootstrap;

/// <summary>
/// Makes <c>neuronguard serve</c> useful with nothing configured: writes the planted fixture model once, and gives the
/// store a catalog of its planted neurons (sets "toxicity", "backdoor", "safety", scored 1.0 because fixture.json
/// is ground truth, not a discovery estimate, each neuron explained by its logit lens) and a baseline calibrated on the fixture's benign prompts.
/// </summary>
public static partial class FixtureBootstrap
{
    public const string CatalogVersion = "fixture-1";
    public const string Actor = "neuronguard (fixture bootstrap)";

    /// <summary>Benign prompts the fixture's baseline is calibrated on.</summary>
    public const int CalibrationPrompts = 600;

    /// <summary>The fixture folder under the data directory, written when it is missing.</summary>
    public static string EnsureModel(string dataDir)
    {
        string dir = Path.Combine(dataDir, "fixture");
        if (!File.Exists(Path.Combine(dir, FixtureTruth.FileName)))
        {
            FixtureMaker.WritePlanted(dir);
        }
        return dir;
    }

    /// <summary>
    /// Puts and activates the fixture's catalog and baseline unless the model already has an active catalog, under its
    /// fingerprint or under its legacy (recipe 1) fingerprint: a store from before recipe 2 keeps the catalog it has,
    /// served by alias (ModelPlans.Alias).
    /// </summary>
    public static async Task EnsureMonitoringAsync(IStore store, ModelHost host, string fixtureDir, ILogger log, CancellationToken cancellationToken = default)
    {
        string fp = host.Info.Fingerprint;
        var active = await store.GetActiveAsync(fp, cancellationToken).ConfigureAwait(false);
        if (active.CatalogVersion is not null
            || (host.Info.LegacyFingerprint.Length > 0 && (await store.GetActiveAsync(host.Info.LegacyFingerprint, cancellationToken).ConfigureAwait(false)).CatalogVersion is not null))
        {
            return;
        }
        var truth = FixtureTruth.Load(Path.Combine(fixtureDir, FixtureTruth.FileName));
        var catalog = Explained(CatalogFor(truth, host), fixtureDir);
        var prompts = FixturePrompts.Generate(truth, new PromptCounts { DiscoveryPositive = 0, DiscoveryBenign = 0, CalibrationBenign = CalibrationPrompts, HeldOutPositive = 0, HeldOutBenign = 0 });
        var started = DateTime.UtcNow;
        // First start is otherwise silent for as long as calibration takes (seconds, minutes on a loaded machine).
        LogCalibrating(log, prompts.Calibration.Count);
        var progress = ProgressLine.ToLog(line => LogProgress(log, line), "calibrating the fixture baseline", prompts.Calibration.Count);
        var baseline = Calibrator.Run(host, catalog, prompts.Calibration, new CalibrateOptions(), progress);
        await store.PutRecordAsync(RecordKind.Catalog, fp, CatalogVersion, Catalog.CurrentFormat, CatalogJson.Serialize(catalog), Actor, cancellationToken).ConfigureAwait(false);
        await store.PutRecordAsync(RecordKind.Baseline, fp, CatalogVersion, BaselineFormat.Version, BaselineFormat.Write(baseline), Actor, cancellationToken).ConfigureAwait(false);
        await store.ActivateAsync(RecordKind.Catalog, fp, CatalogVersion, Actor, cancellationToken).ConfigureAwait(false);
        await store.ActivateAsync(RecordKind.Baseline, fp, CatalogVersion, Actor, cancellationToken).ConfigureAwait(false);
        LogBootstrapped(log, fp, catalog.Sets.Sum(s => s.Neurons.Count), (DateTime.UtcNow - started).TotalSeconds);
    }

    public static Catalog CatalogFor(FixtureTruth truth, ModelHost host) => new()
    {
        Model = new ModelShape { Fingerprint = host.Info.Fingerprint, Layers = host.Info.Layers, NeuronsPerLayer = host.Info.MlpNeurons },
        Version = CatalogVersion,
        Sets = truth.Sets.Select(s => new NeuronSet
        {
            Name = s.Kind.ToString().ToLowerInvariant(),
            Kind = s.Kind switch
            {
                PlantedKind.Toxicity => NeuronSetKind.Toxicity,
                PlantedKind.Backdoor => NeuronSetKind.Backdoor,
                _ => NeuronSetKind.Safety,
            },
            Neurons = s.Neurons.Select(n => new CatalogNeuron { Layer = n.Layer, Index = n.Neuron, Score = 1.0 }).ToList(),
            Provenance = new Provenance { Method = "planted (fixture.json ground truth)", Data = "neuronguard fixture", Date = "2026-11" },
        }).ToList(),
    };

    /// <summary>
    /// The catalog with each neuron's logit-lens explanation (<c>neuronguard explain</c>), so <c>ctl flagged</c> shows what a
    /// flagged fixture neuron writes (the backdoor neuron: " unlocked") from the first start. Ten neurons: milliseconds.
    /// </summary>
    private static Catalog Explained(Catalog catalog, string fixtureDir)
    {
        using var lens = LogitLens.Open(fixtureDir);
        return ExplainJob.Run(catalog, lens, ExplainJob.DefaultTopK, version: null, progress: null, out _);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "calibrating the fixture baseline ({Prompts} prompts; first start only, progress every 10 s)")]
    private static partial void LogCalibrating(ILogger logger, int prompts);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Progress}")]
    private static partial void LogProgress(ILogger logger, string progress);

    [LoggerMessage(Level = LogLevel.Information, Message = "fixture model {Fingerprint}: catalog of {Neurons} planted neurons and a calibrated baseline stored and activated in {Seconds:F1} s")]
    private static partial void LogBootstrapped(ILogger logger, string fingerprint, int neurons, double seconds);
}
