namespace NeuronGuard.Engine.Detectors;

/// <summary>
/// Integrity alarm over the catalogued safety neurons: a pruned, scaled-down or shifted safety neuron no longer
/// varies or centres as it did on the calibration traffic. Per neuron i, over the request's steps so far (n), with
/// the baseline's μ_i and σ'_i = max(σ_i, floor) and the request's own mean m_i and standard deviation s_i:
/// <list type="bullet">
/// <item>variance collapse c_i = clamp(ln(σ'_i / max(s_i, floor)), 0, <see cref="Cap"/>): 0 while the neuron varies as
/// much as on benign traffic, ln(1/g) more for a neuron scaled by a gain g (2.3 at g = 0.1, 6.9 at 0.001), ln(σ'/floor)
/// for an exactly constant one;</item>
/// <item>mean drop d_i = clamp((μ_i − m_i) / σ'_i, 0, <see cref="Cap"/>). Only a drop counts: a safety neuron's mean
/// rises on harmful requests (that is what the safety detector flags), so a rise is traffic, while the edit that
/// disables refusals lowers it. A shift upward only makes the model refuse more.</item>
/// </list>
/// s_n = Σ_i w_i·(c_i + d_i) with the AUROC weights of <see cref="StandardizedMaxDetector"/> (Σw = 1), and the score is
/// max over n ≥ MinSteps of s_n (0 before). Averaging over the set makes one request's noise small next to an edit of
/// the whole set; the cross-request alarm (the daemon's IntegrityWatch) then asks for a run of such requests. Benign
/// requests score above 0 (a short request varies less than the calibration pool), so the calibrated threshold, the
/// benign quantile, is what separates them. Allocation-free per step.
/// <para>Legacy mode (a format-1 baseline, calibrated for the old score): score = Σ_i w_i·[x_i,t = x_i,0 for all t ≤ n]
/// after MinSteps, exactly constant neurons only, as before; recalibrating switches to the score above.</para>
/// </summary>
public sealed class IntegrityDetector : Detector
{
    /// <summary>Bound of each per-neuron term, so that one wild neuron cannot outweigh the rest of the set.</summary>
    public const float Cap = 10f;

    private readonly float[] _weight;
    private readonly float[] _mean;
    private readonly float[] _std;
    private readonly float _floor;
    private readonly double[] _sum;
    private readonly double[] _sumSq;
    private readonly int _minSteps;
    private readonly bool _legacy;
    private readonly float[] _first;
    private readonly bool[] _moved;
    private int _steps;

    /// <param name="legacy">Score exactly constant neurons only: the baseline's thresholds are for that (format 1).</param>
    public IntegrityDetector(DetectorInput input, bool legacy = false)
        : base(input.Name, DetectorKind.Integrity, input.Slots, input.Neurons, input.Threshold, input.Options.TopNeurons)
    {
        _weight = AurocWeights(input.Scores);
        _floor = input.Options.StdFloor;
        _mean = input.Baselines.Select(b => b.Mean).ToArray();
        _std = input.Baselines.Select(b => Math.Max(b.Std, _floor)).ToArray();
        _sum = new double[input.Slots.Length];
        _sumSq = new double[input.Slots.Length];
        _minSteps = Math.Max(2, input.Options.IntegrityMinSteps);
        _legacy = legacy;
        _first = new float[legacy ? input.Slots.Length : 0];
        _moved = new bool[legacy ? input.Slots.Length : 0];
    }

    public override void Reset()
    {
        base.Reset();
        Array.Clear(_sum);
        Array.Clear(_sumSq);
        Array.Clear(_moved);
        _steps = 0;
    }

    public override void Observe(int step, ReadOnlySpan<float> row)
    {
        var slots = Slots;
        for (int i = 0; i < slots.Length; i++)
        {
            float v = row[slots[i]];
            double x = v;
            _sum[i] += x;
            _sumSq[i] += x * x;
            if (_legacy)
            {
                if (_steps == 0)
                {
                    _first[i] = v;
                }
                else if (v != _first[i])
                {
                    _moved[i] = true;
                }
            }
        }
        _steps++;
        if (_steps < _minSteps)
        {
            return;
        }
        float s = 0;
        for (int i = 0; i < slots.Length; i++)
        {
            s += _weight[i] * Term(i);
        }
        if (_steps > _minSteps && s <= Score)
        {
            return;
        }
        Score = s;
        ScoreStep = step;
        ContributionsChanged();
    }

    /// <summary>Contribution: w_i·(c_i + d_i) over the request so far.</summary>
    protected override void PrepareContributions()
    {
        for (int i = 0; i < Contributions.Length; i++)
        {
            Contributions[i] = _steps >= _minSteps ? _weight[i] * Term(i) : 0;
        }
    }

    /// <summary>c_i + d_i of neuron <paramref name="i"/> over the steps seen.</summary>
    private float Term(int i)
    {
        if (_legacy)
        {
            return _moved[i] ? 0 : 1;
        }
        double mean = _sum[i] / _steps;
        double variance = Math.Max(0, _sumSq[i] / _steps - mean * mean);
        double sd = Math.Sqrt(variance);
        double collapse = Math.Clamp(Math.Log(_std[i] / Math.Max(sd, _floor)), 0, Cap);
        double shift = Math.Clamp((_mean[i] - mean) / _std[i], 0, Cap);
        return (float)(collapse + shift);
    }
}
