namespace NeuronGuard.Engine.Detectors;

/// <summary>
/// Neuron activation coverage (NAC-style) over every plan slot. Calibration splits each slot's benign range
/// [lo, hi] into B bins; bin b is covered when it holds at least r of the slot's calibration mass. A value is
/// uncovered when it falls outside [lo, hi] or in an uncovered bin. score = uncovered neuron-steps / (slots · steps).
/// A neuron's contribution is its own uncovered share of the steps seen.
/// </summary>
public sealed class CoverageDetector : Detector
{
    private readonly float[] _lo;
    private readonly float[] _hi;
    private readonly float[] _scale;
    private readonly bool[] _covered; // (slot, bin)
    private readonly int[] _uncovered;
    private readonly int _bins;
    private long _total;
    private int _steps;

    public CoverageDetector(DetectorInput input)
        : base(input.Name, DetectorKind.Coverage, input.Slots, input.Neurons, input.Threshold, input.Options.TopNeurons)
    {
        int n = input.Slots.Length;
        _bins = n == 0 ? 1 : input.Baselines[0].Mass.Length;
        _lo = input.Baselines.Select(b => b.Lo).ToArray();
        _hi = input.Baselines.Select(b => b.Hi).ToArray();
        _scale = input.Baselines.Select(b => CoverageBins.Scale(b.Lo, b.Hi, _bins)).ToArray();
        _covered = new bool[n * _bins];
        _uncovered = new int[n];
        float need = input.MassThreshold * ushort.MaxValue;
        for (int i = 0; i < n; i++)
        {
            var mass = input.Baselines[i].Mass;
            for (int b = 0; b < _bins; b++)
            {
                _covered[i * _bins + b] = mass[b] > 0 && mass[b] >= need;
            }
        }
    }

    public override void Reset()
    {
        base.Reset();
        Array.Clear(_uncovered);
        _total = 0;
        _steps = 0;
    }

    public override void Observe(int step, ReadOnlySpan<float> row)
    {
        var slots = Slots;
        for (int i = 0; i < slots.Length; i++)
        {
            int b = CoverageBins.Bin(row[slots[i]], _lo[i], _hi[i], _scale[i], _bins);
            if (b < 0 || !_covered[i * _bins + b])
            {
                _uncovered[i]++;
                _total++;
            }
        }
        _steps++;
        ScoreStep = step;
        Score = slots.Length == 0 ? 0 : (float)((double)_total / ((long)slots.Length * _steps));
        ContributionsChanged();
    }

    protected override void PrepareContributions()
    {
        for (int i = 0; i < Contributions.Length; i++)
        {
            Contributions[i] = _steps == 0 ? 0 : (float)_uncovered[i] / _steps;
        }
    }
}
