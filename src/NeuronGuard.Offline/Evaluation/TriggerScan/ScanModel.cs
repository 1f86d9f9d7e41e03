using NeuronGuard.Engine;
using NeuronGuard.Engine.Calibration;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Detectors;
using NeuronGuard.Engine.Scoring;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Offline.Evaluation.TriggerScan;

/// <summary>One request's trigger-scan outcome: score, flag, the position of the score and the flagged positions.</summary>
public sealed record ScanOutcome(float Score, bool Flag, int ScoreStep, int[] Positions, int Tokens);

/// <summary>
/// A calibrated trigger scan over one neuron set: a catalog with the custom set "scan" (so the plan holds the
/// detector "trigger_scan:scan"), calibrated as <see cref="Calibrator"/> does (statistics from the benign texts not
/// held out, thresholds at the target FPR on the held-out ones), scored by the engine's <see cref="RequestScorer"/>.
/// </summary>
public sealed class ScanModel
{
    public const string SetName = "scan";

    private readonly ScanCapture _capture;
    private readonly int _detector;

    private ScanModel(ScanCapture capture, MonitorPlan plan, IReadOnlyList<NeuronRef> neurons)
    {
        _capture = capture;
        Plan = plan;
        Neurons = neurons;
        _detector = plan.Detectors.ToList().FindIndex(d => d.Kind == DetectorKind.TriggerScan);
    }

    public MonitorPlan Plan { get; }

    public IReadOnlyList<NeuronRef> Neurons { get; }

    public float Threshold => Plan.Baseline.Detectors.Single(d => d.Name == $"trigger_scan:{SetName}").Threshold;

    public static ScanModel Calibrate(ScanCapture capture, IReadOnlyList<NeuronRef> neurons, IReadOnlyList<string> benign,
        DetectorOptions options, CalibrationOptions? calibration = null)
    {
        calibration ??= new CalibrationOptions();
        var info = capture.Host.Info;
        var catalog = new Catalog
        {
            Model = new ModelShape { Fingerprint = info.Fingerprint, Layers = info.Layers, NeuronsPerLayer = info.MlpNeurons },
            Version = "trigger-scan-eval",
            Sets = [new NeuronSet { Name = SetName, Kind = NeuronSetKind.Custom, Neurons = neurons.Select(n => new CatalogNeuron { Layer = n.Layer, Index = n.Index }).ToList() }],
        };
        var layout = SlotLayout.From(catalog);
        var builder = new BaselineBuilder(layout, calibration, options);
        var held = new List<string>();
        for (int i = 0; i < benign.Count; i++)
        {
            if (Calibrator.IsHoldout(i, calibration.HoldoutFraction))
            {
                held.Add(benign[i]);
                continue;
            }
            var p = capture.Get(benign[i]);
            builder.AddRequest(capture.Project(p, layout.Slots), p.Tokens.Length, p.Tokens.Length);
        }
        var stats = builder.Build(catalog.Model.Fingerprint, catalog.Version);
        var uncalibrated = new ScanModel(capture, MonitorPlan.Create(catalog, stats, options, requireThresholds: false), layout.Slots);
        var thresholds = new ThresholdCalibrator(uncalibrated.Plan);
        foreach (var text in held)
        {
            using var scorer = uncalibrated.Rent(text);
            thresholds.Add(scorer.Results);
        }
        var baseline = stats with { Detectors = thresholds.Compute(calibration.TargetFpr) };
        return new ScanModel(capture, MonitorPlan.Create(catalog, baseline, options), layout.Slots);
    }

    public ScanOutcome Score(string text)
    {
        using var scorer = Rent(text);
        var r = scorer.Results[_detector];
        return new ScanOutcome(r.Score, r.Flag, r.Step, scorer.FlaggedPositions(_detector).ToArray(), _capture.Get(text).Tokens.Length);
    }

    public List<ScanOutcome> Score(IEnumerable<string> texts) => texts.Select(Score).ToList();

    private RequestScorer Rent(string text)
    {
        var p = _capture.Get(text);
        var scorer = Plan.Rent();
        var status = scorer.Feed(0, p.Tokens.Length, _capture.Project(p, Neurons));
        if (status != FrameStatus.Ok)
        {
            scorer.Dispose();
            throw new InvalidOperationException($"the scorer refused the prefill of '{text}': {status}.");
        }
        return scorer;
    }
}
