namespace NeuronGuard.Engine.Detectors;

/// <summary>
/// Backdoor trigger detector (NaviDet): step-to-step activation variation of the catalogued trigger neurons over
/// the first W steps. With x_i,−1 = μ_i (the benign mean) and ρ_i the benign RMS of that change:
/// d_t = Σ_i w_i·|x_i,t − x_i,t−1| / max(ρ_i, floor) for t &lt; W, score = max_t d_t (weights as in
/// <see cref="StandardizedMaxDetector"/>). A trigger token makes its neurons jump far beyond benign variation.
/// </summary>
public sealed class BackdoorDetector : Detector
{
    private readonly float[] _weight;
    private readonly float[] _mean;
    private readonly float[] _invRms;
    private readonly float[] _previous;
    private readonly int _window;
    private readonly int[] _positions;
    private int _positionCount;
    private bool _seen;

    public BackdoorDetector(DetectorInput input)
        : base(input.Name, DetectorKind.Backdoor, input.Slots, input.Neurons, input.Threshold, input.Options.TopNeurons)
    {
        _weight = AurocWeights(input.Scores);
        _mean = input.Baselines.Select(b => b.Mean).ToArray();
        _invRms = input.Baselines.Select(b => 1f / Math.Max(b.DeltaRms, input.Options.StdFloor)).ToArray();
        _previous = new float[input.Slots.Length];
        _window = input.Options.BackdoorWindow;
        _positions = new int[Math.Max(0, _window)];
        _mean.CopyTo(_previous, 0);
    }

    public override void Reset()
    {
        base.Reset();
        _mean.CopyTo(_previous, 0);
        _seen = false;
        _positionCount = 0;
    }

    /// <summary>
    /// The steps of the window where the trigger neurons peak: the variation d(t) or the level
    /// l(t) = Σ_i w_i·|x_i,t − μ_i| / max(ρ_i, floor) is above the threshold. d alone names only a trigger's first token
    /// (its neurons jump there and stay up on the next), and masking one token of a two-token trigger left the trained
    /// model's backdoor intact (bench/results/backdoor-response.md); the level names the tokens they stay up on. Ascending.
    /// </summary>
    public override ReadOnlySpan<int> FlaggedPositions => _positions.AsSpan(0, _positionCount);

    public override void Observe(int step, ReadOnlySpan<float> row)
    {
        if (step >= _window)
        {
            return;
        }
        var slots = Slots;
        float d = 0;
        for (int i = 0; i < slots.Length; i++)
        {
            d += _weight[i] * MathF.Abs(row[slots[i]] - _previous[i]) * _invRms[i];
        }
        if (_positionCount < _positions.Length && (d > Threshold || Level(row) > Threshold))
        {
            _positions[_positionCount++] = step;
        }
        if (!_seen || d > Score)
        {
            _seen = true;
            Score = d;
            ScoreStep = step;
            for (int i = 0; i < slots.Length; i++)
            {
                Contributions[i] = _weight[i] * MathF.Abs(row[slots[i]] - _previous[i]) * _invRms[i];
            }
            ContributionsChanged();
        }
        for (int i = 0; i < slots.Length; i++)
        {
            _previous[i] = row[slots[i]];
        }
    }

    private float Level(ReadOnlySpan<float> row)
    {
        var slots = Slots;
        float l = 0;
        for (int i = 0; i < slots.Length; i++)
        {
            l += _weight[i] * MathF.Abs(row[slots[i]] - _mean[i]) * _invRms[i];
        }
        return l;
    }
}
