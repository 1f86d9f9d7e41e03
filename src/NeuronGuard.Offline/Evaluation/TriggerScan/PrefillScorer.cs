using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Detectors;
using NeuronGuard.Engine.Scoring;

namespace NeuronGuard.Offline.Evaluation.TriggerScan;

/// <summary>One prompt's prefill verdict over the watched detectors: the largest score/threshold ratio (for AUROC) and whether any flagged.</summary>
public readonly record struct PrefillVerdict(float Score, bool Flag);

/// <summary>
/// Scores prompts at prefill with a calibrated catalog, as the daemon's engine does (one prefill frame into a
/// <see cref="RequestScorer"/>), from a <see cref="ScanCapture"/> (one model pass per prompt). The watched detectors are
/// those of the given kinds; a request is flagged when any of them flags (what abort acts on).
/// </summary>
public sealed class PrefillScorer
{
    private readonly ScanCapture _capture;
    private readonly int[] _watched;

    public PrefillScorer(ScanCapture capture, Catalog catalog, Baseline baseline, DetectorOptions options, params DetectorKind[] kinds)
    {
        _capture = capture;
        Plan = MonitorPlan.Create(catalog, baseline, options);
        _watched = Enumerable.Range(0, Plan.Detectors.Count).Where(i => kinds.Contains(Plan.Detectors[i].Kind)).ToArray();
        if (_watched.Length == 0)
        {
            throw new InvalidOperationException($"the catalog has no detector of kind {string.Join("/", kinds)}.");
        }
    }

    public MonitorPlan Plan { get; }

    public PrefillVerdict Score(string text)
    {
        var p = _capture.Get(text);
        using var scorer = Plan.Rent();
        var status = scorer.Feed(0, p.Tokens.Length, _capture.Project(p, Plan.Slots));
        if (status != FrameStatus.Ok)
        {
            throw new InvalidOperationException($"the scorer refused the prefill of '{text}': {status}.");
        }
        float score = float.NegativeInfinity;
        bool flag = false;
        foreach (int d in _watched)
        {
            var r = scorer.Results[d];
            score = Math.Max(score, r.Threshold > 0 ? r.Score / r.Threshold : r.Score);
            flag |= r.Flag;
        }
        return new PrefillVerdict(score, flag);
    }

    public List<PrefillVerdict> Score(IEnumerable<string> texts) => texts.Select(Score).ToList();
}
