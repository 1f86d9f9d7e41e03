using NeuronGuard.Engine;
using NeuronGuard.Engine.Calibration;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Probes;
using NeuronGuard.Inference;
using NeuronGuard.Offline.IO;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Offline.Jobs;

/// <summary>
/// <c>neuronguard train-probe</c> as a library call: labelled prompts (positive and negative JSON Lines files) run
/// through the model the way a monitored server runs them (prefill + greedy decode steps, <see cref="PromptRunner"/>),
/// each prompt pooled to its per-neuron max over steps for the catalog set, an L1 logistic regression fitted
/// (<see cref="SparseProbeTrainer"/>), and its threshold set at the target false-positive rate on the benign
/// calibration prompts scored step by step as the daemon would (<see cref="SparseProbeScorer"/>).
/// </summary>
public static class TrainProbeJob
{
    public sealed record Request(string ModelDir, string CatalogPath, string Set, string Positive, string Negative, string? Calibration,
        string Output, double Lambda, float TargetFpr, int DecodeSteps, int Threads);

    public static SparseProbe Run(Request r, TextWriter? progress)
    {
        if (!(r.TargetFpr is > 0 and < 1))
        {
            throw new InvalidDataException($"--fpr {r.TargetFpr} is out of range: give a rate in (0, 1), e.g. 0.01.");
        }
        var catalog = ModelFiles.LoadCatalog(r.CatalogPath);
        var set = catalog.Sets.FirstOrDefault(s => s.Name == r.Set)
            ?? throw new InvalidDataException($"catalog {r.CatalogPath} has no set '{r.Set}': it has {string.Join(", ", catalog.Sets.Select(s => s.Name))}.");
        using var host = ModelHost.Load(r.ModelDir, new ModelHostOptions { Threads = r.Threads });
        var model = new ModelShape { Fingerprint = host.Info.Fingerprint, LegacyFingerprint = host.Info.LegacyFingerprint, Layers = host.Info.Layers, NeuronsPerLayer = host.Info.MlpNeurons };
        CatalogValidator.Validate(catalog, model);
        var neurons = set.Neurons.Select(n => n.Ref).ToArray();
        using var runner = new PromptRunner(host, neurons) { DecodeSteps = r.DecodeSteps };
        var rows = new List<float[]>();
        var labels = new List<bool>();
        foreach (var (path, label) in new[] { (r.Positive, true), (r.Negative, false) })
        {
            var line = new ProgressLine(progress, label ? "train-probe positive" : "train-probe negative", JsonlTexts.Count(path));
            foreach (var text in JsonlTexts.Read(path))
            {
                rows.Add(PooledMax(runner.Run(text)));
                labels.Add(label);
                line.Advance();
            }
            line.Finish();
        }
        var fit = SparseProbeTrainer.Train(rows, labels, r.Lambda);
        if (!fit.Converged)
        {
            progress?.WriteLine($"warning: the fit stopped after {fit.Iterations} iterations before converging; the weights are usable but not the exact optimum");
        }
        var probe = new SparseProbe
        {
            Set = set.Name, Fingerprint = catalog.Model.Fingerprint, CatalogVersion = catalog.Version, Bias = fit.Bias, Lambda = r.Lambda,
            TargetFpr = r.TargetFpr, Data = $"{Path.GetFileName(r.Positive)} vs {Path.GetFileName(r.Negative)}",
            Neurons = neurons.Select((n, j) => new ProbeNeuron(n, fit.Weights[j], fit.Means[j], fit.Stds[j])).ToList(),
        };
        probe = probe with { Threshold = Threshold(probe, runner, r.Calibration ?? r.Negative, r.TargetFpr, progress) };
        File.WriteAllText(r.Output, SparseProbeJson.Serialize(probe));
        return probe;
    }

    /// <summary>Each neuron's max over the request's steps (the feature the probe is trained on).</summary>
    internal static float[] PooledMax(CapturedRequest request)
    {
        var values = request.Values();
        var max = new float[request.Slots];
        Array.Fill(max, float.NegativeInfinity);
        for (int t = 0; t < request.Steps; t++)
        {
            for (int j = 0; j < max.Length; j++)
            {
                max[j] = Math.Max(max[j], values[t * request.Slots + j]);
            }
        }
        return max;
    }

    private static float Threshold(SparseProbe probe, PromptRunner runner, string benignPath, float fpr, TextWriter? progress)
    {
        var scorer = new SparseProbeScorer(probe, Enumerable.Range(0, probe.Neurons.Count).ToArray());
        var scores = new List<float>();
        var line = new ProgressLine(progress, "train-probe calibration", JsonlTexts.Count(benignPath));
        foreach (var text in JsonlTexts.Read(benignPath))
        {
            var request = runner.Run(text);
            var values = request.Values();
            scorer.Reset();
            for (int t = 0; t < request.Steps; t++)
            {
                scorer.Observe(t, values.AsSpan(t * request.Slots, request.Slots));
            }
            scores.Add(scorer.Score);
            line.Advance();
        }
        line.Finish();
        if (scores.Count == 0)
        {
            throw new InvalidDataException($"{benignPath} holds no prompts to calibrate the threshold on: give benign prompts of the kind the probe will see.");
        }
        var sorted = scores.ToArray();
        Array.Sort(sorted);
        return ThresholdCalibrator.Quantile(sorted, 1 - fpr);
    }
}
