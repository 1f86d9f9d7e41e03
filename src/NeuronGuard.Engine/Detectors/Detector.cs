namespace NeuronGuard.Engine.Detectors;

/// <summary>
/// Base of every detector: it sees one request's steps in order (<see cref="Observe"/>), keeps a running score,
/// flags above its calibrated threshold, and reports the top contributing neurons from a fixed buffer, so
/// scoring allocates nothing after construction. Instances are reused across requests via <see cref="Reset"/>.
/// </summary>
public abstract class Detector
{
    private readonly NeuronContribution[] _top;
    private readonly NeuronRef[] _neurons;
    private int _topCount;
    private bool _topStale = true;

    protected Detector(string name, DetectorKind kind, int[] slots, NeuronRef[] neurons, float threshold, int topK)
    {
        Name = name;
        Kind = kind;
        Slots = slots;
        _neurons = neurons;
        Threshold = threshold;
        Contributions = new float[slots.Length];
        _top = new NeuronContribution[Math.Max(0, Math.Min(topK, slots.Length))];
    }

    public string Name { get; }

    public DetectorKind Kind { get; }

    /// <summary>Flag when <see cref="Score"/> &gt; this. +∞ while uncalibrated.</summary>
    public float Threshold { get; }

    public float Score { get; protected set; }

    /// <summary>The step the score was reached at (max-over-steps detectors), or the last step seen; −1 before any.</summary>
    public int ScoreStep { get; protected set; } = -1;

    public bool Flag => Score > Threshold;

    /// <summary>
    /// Prompt positions this detector names as the cause of its flag (a trigger's tokens), ascending; empty for
    /// detectors that do not localise. The verdict carries them and the mask-attention mitigation masks them.
    /// </summary>
    public virtual ReadOnlySpan<int> FlaggedPositions => ReadOnlySpan<int>.Empty;

    /// <summary>Plan slot of each watched neuron.</summary>
    protected int[] Slots { get; }

    /// <summary>Per watched neuron, its share of the current score; subclasses fill it and call <see cref="ContributionsChanged"/>.</summary>
    protected float[] Contributions { get; }

    /// <summary>The largest positive contributions, largest first (computed on first read after a change).</summary>
    public ReadOnlySpan<NeuronContribution> TopNeurons
    {
        get
        {
            if (_topStale)
            {
                PrepareContributions();
                SelectTop();
                _topStale = false;
            }
            return _top.AsSpan(0, _topCount);
        }
    }

    public virtual void Reset()
    {
        Score = 0;
        ScoreStep = -1;
        Array.Clear(Contributions);
        _topStale = true;
    }

    /// <summary>One step's values, all plan slots in slot order. Steps arrive in order, starting at 0.</summary>
    public abstract void Observe(int step, ReadOnlySpan<float> row);

    /// <summary>
    /// Called before a frame's steps are observed, so a detector can tell the prompt's prefill block from decode
    /// steps (<see cref="Scoring.PrefillRule"/>). Most detectors do not care.
    /// </summary>
    public virtual void BeginFrame(int firstStep, int steps)
    {
    }

    protected void ContributionsChanged() => _topStale = true;

    /// <summary>Lets a detector fill <see cref="Contributions"/> only when someone reads the top neurons.</summary>
    protected virtual void PrepareContributions()
    {
    }

    /// <summary>Weights from catalogued AUROC scores: w = max(0, 2·AUROC − 1), 1 where absent; normalized to sum 1.</summary>
    protected static float[] AurocWeights(IReadOnlyList<double?> scores)
    {
        var w = new float[scores.Count];
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = scores[i] is { } s ? (float)Math.Max(0, 2 * s - 1) : 1f;
        }
        float sum = w.Sum();
        if (sum <= 0)
        {
            Array.Fill(w, 1f);
            sum = w.Length;
        }
        for (int i = 0; i < w.Length; i++)
        {
            w[i] /= sum;
        }
        return w;
    }

    private void SelectTop()
    {
        _topCount = 0;
        if (_top.Length == 0)
        {
            return;
        }
        for (int i = 0; i < Contributions.Length; i++)
        {
            float v = Contributions[i];
            if (!(v > 0) || (_topCount == _top.Length && v <= _top[_topCount - 1].Value))
            {
                continue;
            }
            int pos = _topCount < _top.Length ? _topCount++ : _top.Length - 1;
            while (pos > 0 && _top[pos - 1].Value < v)
            {
                _top[pos] = _top[pos - 1];
                pos--;
            }
            _top[pos] = new NeuronContribution(Slots[i], _neurons[i], v);
        }
    }
}
