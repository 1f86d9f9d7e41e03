using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Detectors;
using NeuronGuard.Engine.Scoring;

namespace NeuronGuard.Engine.Calibration;

/// <summary>
/// Collects each detector's final score on held-out benign requests and sets its threshold at the target
/// false-positive rate: the nearest-rank (1 − FPR) quantile q, flagging when score &gt; q, so at most FPR of the
/// held-out requests flag, raised to the detector's <see cref="ThresholdFloors"/> (a detector whose benign scores were
/// all 0 would otherwise flag on any deviation). Quantiles are reported at <see cref="Levels"/>.
/// </summary>
public sealed class ThresholdCalibrator
{
    public static readonly float[] Levels = [0.5f, 0.9f, 0.95f, 0.99f, 0.999f, 1f];

    private readonly List<string> _names;
    private readonly List<DetectorKind> _kinds;
    private readonly Baseline _baseline;
    private readonly List<float>[] _scores;
    private readonly List<string> _warnings = [];

    public ThresholdCalibrator(MonitorPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        _names = plan.Detectors.Select(d => d.Name).ToList();
        _kinds = plan.Detectors.Select(d => d.Kind).ToList();
        _baseline = plan.Baseline;
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

    /// <summary>One line per detector whose threshold was raised to its floor, set by <see cref="Compute"/>: print them.</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    public List<DetectorCalibration> Compute(float targetFpr) => Compute(targetFpr, ThresholdFloors.Default);

    public List<DetectorCalibration> Compute(float targetFpr, ThresholdFloors floors)
    {
        ArgumentNullException.ThrowIfNull(floors);
        _warnings.Clear();
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
            float threshold = Quantile(sorted, 1 - targetFpr);
            float floor = floors.For(_kinds[i], _baseline);
            if (threshold < floor)
            {
                _warnings.Add($"detector {_names[i]}: benign threshold {threshold:G4} raised to its floor {floor:G4} (benign scores barely move: constant neurons?)");
                threshold = floor;
            }
            result.Add(new DetectorCalibration(_names[i], threshold, quantiles));
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
