using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Calibration;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Detectors;
using NeuronGuard.Engine.Scoring;
using NeuronGuard.Inference;
using NeuronGuard.Offline.IO;

namespace NeuronGuard.Offline.Running;

/// <summary>Settings of <c>neuronguard calibrate</c>.</summary>
public sealed record CalibrateOptions
{
    public CalibrationOptions Calibration { get; init; } = new();

    public DetectorOptions Detectors { get; init; } = new();

    /// <summary>Greedy decode steps captured after each prompt. Defaults to 4.</summary>
    public int DecodeSteps { get; init; } = 4;
}

/// <summary>
/// Calibration: runs benign texts through the model capturing the catalog's slots, builds the per-slot
/// statistics from one part, then scores the held-out part (every ⌈1/f⌉-th text, spread evenly) with the real
/// detectors to place each threshold at the target false-positive rate. One model pass over the data.
/// </summary>
public static class Calibrator
{
    /// <param name="warn">Gets each calibration warning (constant neurons, thresholds raised to their floor).</param>
    public static Baseline Run(ModelHost host, Catalog catalog, IEnumerable<string> benign, CalibrateOptions options, ProgressLine? progress = null,
        Action<string>? warn = null)
    {
        var model = new ModelShape { Fingerprint = host.Info.Fingerprint, LegacyFingerprint = host.Info.LegacyFingerprint, Layers = host.Info.Layers, NeuronsPerLayer = host.Info.MlpNeurons };
        CatalogValidator.Validate(catalog, model);
        var layout = SlotLayout.From(catalog);
        var builder = new BaselineBuilder(layout, options.Calibration, options.Detectors);
        var holdout = new List<CapturedRequest>();
        using (var runner = new PromptRunner(host, layout.Slots) { DecodeSteps = options.DecodeSteps })
        {
            int i = 0;
            foreach (var text in benign)
            {
                var request = runner.Run(text);
                if (IsHoldout(i++, options.Calibration.HoldoutFraction))
                {
                    holdout.Add(request);
                }
                else
                {
                    builder.AddRequest(request.Values(), request.Steps, PrefillRule.PromptSteps(request.Frames));
                }
                progress?.Advance();
            }
        }
        progress?.Finish();
        if (holdout.Count == 0)
        {
            throw new InvalidOperationException("no benign text was held out for thresholds: give more texts or raise the holdout fraction.");
        }
        var stats = builder.Build(catalog.Model.Fingerprint, catalog.Version); // the catalog's binding, legacy included
        var plan = MonitorPlan.Create(catalog, stats, options.Detectors, requireThresholds: false);
        var calibrator = new ThresholdCalibrator(plan);
        foreach (var request in holdout)
        {
            using var scorer = plan.Rent();
            RequestScoring.Feed(scorer, request);
            calibrator.Add(scorer.Results);
        }
        var detectors = calibrator.Compute(options.Calibration.TargetFpr);
        if (builder.ConstantWarning is { } constant)
        {
            warn?.Invoke(constant);
        }
        foreach (var w in calibrator.Warnings)
        {
            warn?.Invoke(w);
        }
        return stats with { Detectors = detectors };
    }

    /// <summary>Text i is held out when ⌊(i + 1)·f⌋ &gt; ⌊i·f⌋: an even spread of exactly ⌊n·f⌋ texts.</summary>
    public static bool IsHoldout(int i, double fraction) => Math.Floor((i + 1) * fraction) > Math.Floor(i * fraction);
}
