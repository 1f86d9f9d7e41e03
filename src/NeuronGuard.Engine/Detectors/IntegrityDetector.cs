namespace NeuronGuard.Engine.Detectors;

/// <summary>
/// Integrity alarm over the catalogued safety neurons: pruned or tampered safety neurons stay exactly zero or
/// constant where healthy ones move. After n ≥ MinSteps steps, with weights w_i as in
/// <see cref="StandardizedMaxDetector"/>: score = Σ_i w_i·[x_i,t = x_i,0 for all t] (0 before MinSteps; −0 equals +0, as an
/// ablated neuron gives both).
/// The calibrated threshold is the benign quantile, so on a GELU model (which never repeats a value exactly)
/// any constant neuron alarms, while a ReLU model's legitimately silent neurons raise the threshold.
/// </summary>
public sealed class IntegrityDetector : Detector
{
    private readonly float[] _weight;
    private readonly float[] _first;
    private readonly bool[] _moved;
    private readonly int _minSteps;
    private int _steps;

    public IntegrityDetector(DetectorInput input)
        : base(input.Name, DetectorKind.Integrity, input.Slots, input.Neurons, input.Threshold, input.Options.TopNeurons)
    {
        _weight = AurocWeights(input.Scores);
        _first = new float[input.Slots.Length];
        _moved = new bool[input.Slots.Length];
        _minSteps = Math.Max(2, input.Options.IntegrityMinSteps);
    }

    public override void Reset()
    {
        base.Reset();
        Array.Clear(_moved);
        _steps = 0;
    }

    public override void Observe(int step, ReadOnlySpan<float> row)
    {
        var slots = Slots;
        for (int i = 0; i < slots.Length; i++)
        {
            float x = row[slots[i]];
            if (_steps == 0)
            {
                _first[i] = x;
            }
            else if (x != _first[i])
            {
                _moved[i] = true;
            }
        }
        _steps++;
        ScoreStep = step;
        float s = 0;
        if (_steps >= _minSteps)
        {
            for (int i = 0; i < slots.Length; i++)
            {
                s += _moved[i] ? 0 : _weight[i];
            }
        }
        Score = s;
        ContributionsChanged();
    }

    /// <summary>Contribution: w_i for each neuron still constant (once MinSteps are seen).</summary>
    protected override void PrepareContributions()
    {
        for (int i = 0; i < Contributions.Length; i++)
        {
            Contributions[i] = _steps >= _minSteps && !_moved[i] ? _weight[i] : 0;
        }
    }
}
