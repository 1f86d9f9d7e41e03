namespace NeuronGuard.Engine.Probes;

/// <summary>
/// Scores one request at a time with a <see cref="SparseProbe"/> (formula there): per step, update each neuron's
/// running max, then s_t = b + Σ w_i·(m_i,t − μ_i)/σ_i and score = max_t s_t. Buffers are sized once, so
/// <see cref="Observe"/> allocates nothing; <see cref="Reset"/> reuses the scorer for the next request.
/// </summary>
public sealed class SparseProbeScorer
{
    private readonly int[] _slots;
    private readonly float[] _weight;
    private readonly float[] _mean;
    private readonly float[] _invStd;
    private readonly float[] _max;
    private readonly float[] _maxAtScore;
    private readonly float _bias;
    private bool _seen;

    /// <param name="slots">Per probe neuron, its index in the rows given to <see cref="Observe"/>.</param>
    public SparseProbeScorer(SparseProbe probe, int[] slots)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(slots);
        if (slots.Length != probe.Neurons.Count)
        {
            Throw.Argument($"the probe reads {probe.Neurons.Count} neurons but {slots.Length} slots were given.", nameof(slots));
        }
        _slots = slots;
        _weight = probe.Neurons.Select(n => n.Weight).ToArray();
        _mean = probe.Neurons.Select(n => n.Mean).ToArray();
        _invStd = probe.Neurons.Select(n => n.Std > 0 ? 1f / n.Std : 1f).ToArray();
        _max = new float[slots.Length];
        _maxAtScore = new float[slots.Length];
        _bias = probe.Bias;
        Threshold = probe.Threshold;
    }

    public float Threshold { get; }

    /// <summary>max_t s_t so far; 0 before any step.</summary>
    public float Score { get; private set; }

    /// <summary>The step the score was reached at; −1 before any.</summary>
    public int ScoreStep { get; private set; } = -1;

    public bool Flag => Score > Threshold;

    public void Reset()
    {
        _seen = false;
        Score = 0;
        ScoreStep = -1;
    }

    /// <summary>One step's values (a row indexed by the slots given at construction). Steps arrive in order.</summary>
    public void Observe(int step, ReadOnlySpan<float> row)
    {
        float s = _bias;
        for (int i = 0; i < _slots.Length; i++)
        {
            float v = row[_slots[i]];
            float m = _seen ? Math.Max(_max[i], v) : v;
            _max[i] = m;
            s += _weight[i] * (m - _mean[i]) * _invStd[i];
        }
        if (!_seen || s > Score)
        {
            Score = s;
            ScoreStep = step;
            _max.CopyTo(_maxAtScore, 0);
        }
        _seen = true;
    }

    /// <summary>
    /// Per probe neuron, its term w_i·(m_i − μ_i)/σ_i of the log-odds at <see cref="ScoreStep"/> (the terms and the bias
    /// sum to <see cref="Score"/>): which neurons pushed the request towards the positive class. Zeros before any step.
    /// </summary>
    public void Contributions(Span<float> into)
    {
        if (into.Length != _slots.Length)
        {
            Throw.Argument($"need a span of {_slots.Length} contributions, got {into.Length}.", nameof(into));
        }
        for (int i = 0; i < into.Length; i++)
        {
            into[i] = _seen ? _weight[i] * (_maxAtScore[i] - _mean[i]) * _invStd[i] : 0;
        }
    }
}
