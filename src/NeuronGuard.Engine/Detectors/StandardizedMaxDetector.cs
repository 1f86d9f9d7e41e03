namespace NeuronGuard.Engine.Detectors;

/// <summary>
/// Shared by the toxicity and safety detectors. With z_i,t = (x_i,t − μ_i) / max(σ_i, floor) from the baseline
/// and weights w_i = max(0, 2·AUROC_i − 1) normalized to Σw = 1 (uniform without scores):
/// s_t = Σ_i w_i·z_i,t and score = max_t s_t. A neuron's contribution is w_i·z_i,t at the arg-max step.
/// </summary>
public abstract class StandardizedMaxDetector : Detector
{
    private readonly float[] _weight;
    private readonly float[] _mean;
    private readonly float[] _invStd;
    private bool _seen;

    protected StandardizedMaxDetector(DetectorInput input, DetectorKind kind)
        : base(input.Name, kind, input.Slots, input.Neurons, input.Threshold, input.Options.TopNeurons)
    {
        _weight = AurocWeights(input.Scores);
        _mean = input.Baselines.Select(b => b.Mean).ToArray();
        _invStd = input.Baselines.Select(b => 1f / Math.Max(b.Std, input.Options.StdFloor)).ToArray();
    }

    public override void Reset()
    {
        base.Reset();
        _seen = false;
    }

    public override void Observe(int step, ReadOnlySpan<float> row)
    {
        var slots = Slots;
        float s = 0;
        for (int i = 0; i < slots.Length; i++)
        {
            s += _weight[i] * (row[slots[i]] - _mean[i]) * _invStd[i];
        }
        if (_seen && s <= Score)
        {
            return;
        }
        _seen = true;
        Score = s;
        ScoreStep = step;
        var c = Contributions;
        for (int i = 0; i < slots.Length; i++)
        {
            c[i] = _weight[i] * (row[slots[i]] - _mean[i]) * _invStd[i];
        }
        ContributionsChanged();
    }
}

/// <summary>
/// Toxicity experts (AurA): AUROC-weighted standardized activation of the catalogued experts, max over steps
/// (formula in <see cref="StandardizedMaxDetector"/>). High when the request contains or produces toxic text.
/// </summary>
public sealed class ExpertsDetector(DetectorInput input) : StandardizedMaxDetector(input, DetectorKind.Toxicity);

/// <summary>
/// Harmful-request indicator (NeuroStrike safety neurons): AUROC-weighted standardized activation of the
/// catalogued safety neurons, max over steps (formula in <see cref="StandardizedMaxDetector"/>).
/// </summary>
public sealed class SafetyDetector(DetectorInput input) : StandardizedMaxDetector(input, DetectorKind.Safety);
