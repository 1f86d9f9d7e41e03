using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Scoring;

namespace NeuronGuard.Engine.Detectors;

/// <summary>
/// Trigger-agnostic backdoor scan (NaviDet's idea carried to text): at prefill, how far each prompt token drives the
/// watched early-layer neurons outside the benign range, without knowing any trigger. Per prompt position t ≥ 1 and
/// watched neuron i, by default (<see cref="TriggerScanSignal.Range"/>) z_i,t = max(0, x_i,t − hi_i, lo_i − x_i,t) /
/// (hi_i − lo_i), lo and hi the neuron's extremes over benign prompt positions; <see cref="TriggerScanSignal.Change"/> and
/// <see cref="TriggerScanSignal.Level"/> standardize the change from t − 1 or the level at prefill instead. The
/// position's score p_t is the mean of its m largest z_i,t (m = <see cref="DetectorOptions.TriggerScanTopM"/>): a
/// trigger pushes a few neurons far, ordinary tokens stay inside. score = max_t p_t; the flagged positions are every t
/// with p_t above the threshold, ascending. Position 0 (a sequence start, no predecessor) and decode steps are not
/// scored. Buffers are sized by <see cref="DetectorOptions.TriggerScanMaxPositions"/>: no allocation per frame.
/// </summary>
public sealed class TriggerScanDetector : Detector
{
    private readonly float[] _center;
    private readonly float[] _invScale;
    private readonly float[] _previous;
    private readonly float[] _largest;
    private readonly int[] _flagged;
    private readonly TriggerScanSignal _signal;
    private readonly float[] _lo;
    private readonly float[] _hi;
    private int _flaggedCount;
    private int _prefillEnd;
    private bool _inPrefill;
    private bool _seen;

    public TriggerScanDetector(DetectorInput input)
        : base(input.Name, DetectorKind.TriggerScan, input.Slots, input.Neurons, input.Threshold, input.Options.TopNeurons)
    {
        var o = input.Options;
        _signal = o.TriggerScanSignal;
        // Without prefill statistics (a baseline older than format 3) the plan leaves the threshold at +∞; the
        // whole-request ones keep the score finite for display.
        _center = input.Baselines.Select(b => b.Prefill?.Mean ?? b.Mean).ToArray();
        _invScale = input.Baselines.Select(b => 1f / Math.Max(Scale(b, _signal), o.StdFloor)).ToArray();
        _lo = input.Baselines.Select(b => b.Prefill?.Lo ?? b.Lo).ToArray();
        _hi = input.Baselines.Select(b => b.Prefill?.Hi ?? b.Hi).ToArray();
        _previous = new float[input.Slots.Length];
        _largest = new float[Math.Clamp(o.TriggerScanTopM, 1, Math.Max(1, input.Slots.Length))];
        _flagged = new int[Math.Max(1, o.TriggerScanMaxPositions)];
    }

    /// <summary>Prompt positions whose score is above the threshold, ascending (empty while not flagged).</summary>
    public override ReadOnlySpan<int> FlaggedPositions => _flagged.AsSpan(0, _flaggedCount);

    public override void Reset()
    {
        base.Reset();
        _flaggedCount = 0;
        _prefillEnd = 0;
        _inPrefill = false;
        _seen = false;
    }

    public override void BeginFrame(int firstStep, int steps)
    {
        _inPrefill = _prefillEnd >= 0 && PrefillRule.IsPrefill(firstStep, steps, _prefillEnd);
        _prefillEnd = _inPrefill ? firstStep + steps : -1; // −1: the prefill is over for this request
    }

    public override void Observe(int step, ReadOnlySpan<float> row)
    {
        if (!_inPrefill || step >= _flagged.Length)
        {
            return;
        }
        var slots = Slots;
        if (step > 0)
        {
            float p = PositionScore(row);
            if (p > Threshold)
            {
                _flagged[_flaggedCount++] = step;
            }
            if (!_seen || p > Score)
            {
                _seen = true;
                Score = p;
                ScoreStep = step;
                for (int i = 0; i < slots.Length; i++)
                {
                    Contributions[i] = Z(i, row[slots[i]]);
                }
                ContributionsChanged();
            }
        }
        for (int i = 0; i < slots.Length; i++)
        {
            _previous[i] = row[slots[i]];
        }
    }

    private float PositionScore(ReadOnlySpan<float> row)
    {
        var slots = Slots;
        var top = _largest.AsSpan();
        int count = 0;
        for (int i = 0; i < slots.Length; i++)
        {
            float z = Z(i, row[slots[i]]);
            if (count == top.Length && z <= top[count - 1])
            {
                continue;
            }
            int pos = count < top.Length ? count++ : top.Length - 1;
            while (pos > 0 && top[pos - 1] < z)
            {
                top[pos] = top[pos - 1];
                pos--;
            }
            top[pos] = z;
        }
        float sum = 0;
        for (int k = 0; k < count; k++)
        {
            sum += top[k];
        }
        return count == 0 ? 0 : sum / count;
    }

    private float Z(int i, float x) => _signal switch
    {
        TriggerScanSignal.Change => MathF.Abs(x - _previous[i]) * _invScale[i],
        TriggerScanSignal.Level => MathF.Abs(x - _center[i]) * _invScale[i],
        _ => MathF.Max(0, MathF.Max(x - _hi[i], _lo[i] - x)) * _invScale[i],
    };

    private static float Scale(SlotBaseline b, TriggerScanSignal signal) => signal switch
    {
        TriggerScanSignal.Change => b.Prefill?.DeltaRms ?? b.DeltaRms,
        TriggerScanSignal.Level => b.Prefill?.Std ?? b.Std,
        _ => b.Prefill is { } p ? p.Hi - p.Lo : b.Hi - b.Lo,
    };
}
