using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Scoring;

namespace NeuronGuard.Engine.Calibration;

/// <summary>
/// Collects each detector's final score on held-out benign requests and sets its threshold at the target
/// false-positive rate: the nearest-rank (1 − FPR) quantile q, flagging when score &gt; q, so at most FPR of the
/// held-out requests flag. Quantiles are reported at <see cref="Levels"/>.
/// </summary>
public sealed class ThresholdCalibrator
{
    public static readonly float[] Levels = [0.5f, 0.9f, 0.95f, 0.99f, 0.999f, 1f];

    private readonly List<string> _names;
    private readonly List<float>[] _scores;

    public ThresholdCalibrator(MonitorPlan plan)
    {
        _names = plan.Detectors.Select(d => d.Name).ToList();
        _scores = _names.Select(_ => new List<float>()).ToArray();
    }

    public int Requests => _scores.Length == 0 ? 0 : _scores[0].Count;

    /// <summary>Records a finished request's results (in plan detector order).</summary>
    public void Add(ReadOnlySpan<DetectorResult> results)
    {
        for (int i = 0; i < _scores.Length; i++)
        {
            _scores[i].Add(results[i].Score);
        }
    }

    public List<DetectorCalibration> Compute(float targetFpr)
    {
        if (Requests == 0)
        {
            Throw.InvalidOperation("no held-out benign requests were scored: give more benign texts or a larger holdout fraction.");
        }
        var result = new List<DetectorCalibration>();
        for (int i = 0; i < _names.Count; i++)
        {
            var sorted = _scores[i].ToArray();
            Array.Sort(sorted);
            var quantiles = Levels.Select(l => (l, Quantile(sorted, l))).ToList();
            result.Add(new DetectorCalibration(_names[i], Quantile(sorted, 1 - targetFpr), quantiles));
        }
        return result;
    }

    /// <summary>Nearest-rank quantile: the ⌈level·n⌉-th smallest value (1-based), the smallest for level 0.</summary>
    public static float Quantile(ReadOnlySpan<float> sorted, double level)
    {
        int rank = (int)Math.Ceiling(level * sorted.Length - 1e-9);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
