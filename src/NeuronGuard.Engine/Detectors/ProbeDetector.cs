using NeuronGuard.Engine.Probes;

namespace NeuronGuard.Engine.Detectors;

/// <summary>
/// A catalog's sparse probe as a detector (issue 26 item 6). With m_i,t the running max of neuron i's value up to step
/// t and (w, μ, σ, b) the probe's weights, standardization and bias, the log-odds s_t = b + Σ_i w_i·(m_i,t − μ_i)/σ_i
/// (<see cref="SparseProbeScorer"/>) and score = sigmoid(max_t s_t): the probe's probability that the request is positive,
/// 0–1 like a classifier's output, so thresholds and dashboards read it directly. Calibrated like the others: threshold =
/// the benign (1 − FPR) quantile. A neuron's contribution is its term w_i·(m_i − μ_i)/σ_i of the log-odds at the
/// arg-max step. Scoring allocates nothing: the scorer's buffers are sized at construction.
/// </summary>
public sealed class ProbeDetector : Detector
{
    private readonly SparseProbeScorer _scorer;

    public ProbeDetector(DetectorInput input, SparseProbe probe)
        : base(input.Name, DetectorKind.Probe, input.Slots, input.Neurons, input.Threshold, input.Options.TopNeurons)
    {
        _scorer = new SparseProbeScorer(probe, input.Slots);
    }

    public override void Reset()
    {
        base.Reset();
        _scorer.Reset();
    }

    public override void Observe(int step, ReadOnlySpan<float> row)
    {
        int before = _scorer.ScoreStep;
        _scorer.Observe(step, row);
        if (_scorer.ScoreStep == before)
        {
            return;
        }
        Score = Sigmoid(_scorer.Score);
        ScoreStep = _scorer.ScoreStep;
        ContributionsChanged();
    }

    protected override void PrepareContributions() => _scorer.Contributions(Contributions);

    /// <summary>1 / (1 + e^(−x)), without overflow for large |x|.</summary>
    private static float Sigmoid(float x) => x >= 0 ? 1f / (1f + MathF.Exp(-x)) : MathF.Exp(x) / (1f + MathF.Exp(x));
}
