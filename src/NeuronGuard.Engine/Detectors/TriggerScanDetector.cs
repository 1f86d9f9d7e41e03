using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Scoring;

namespace NeuronGuard.Engine.Detectors;

/// <summary>
/// Trigger-agnostic backdoor scan (NaviDet's idea carried to text): at prefill, how far each prompt token moves the
/// watched early-layer neurons beyond benign variation, without knowing any trigger. Per prompt position t ≥ 1 and
/// watched neuron i, z_i,t = |x_i,t − x_i,t−1| / max(ρ_i, floor) (<see cref="TriggerScanSignal.Change"/>, ρ_i the
/// benign RMS of that change at prefill) or |x_i,t − μ_i| / max(σ_i, floor) (<see cref="TriggerScanSignal.Level"/>);
/// the position's score p_t is the mean of its m largest z_i,t (m = <see cref="DetectorOptions.TriggerScanTopM"/>):
/// a trigger moves a few neurons a lot, ordinary tokens move many a little. score = max_t p_t; the flagged positions
/// are every t with p_t above the threshold, ascending. Position 0 (a sequence start, no predecessor) and decode
/// steps are not scored. Buffers are sized by <see cref="DetectorOptions.TriggerScanMaxPositions"/>: no allocation.
/// </summary>
public sealed class TriggerScanDetector : Detector
{
    private readonly float[] _center;
    private readonly float[] _invScale;
    private readonly float[] _previous;
    private readonly float[] _largest;
    private readonly int[] _flagged;
    private readonly bool _level;
    private int _flaggedCount;
    private int _prefillEnd;
    private bool _inPrefill;
    private bool _seen;

    public TriggerScanDetector(DetectorInput input)
        : base(input.Name, DetectorKind.TriggerScan, input.Slots, input.Neurons, input.Threshold, input.Options.TopNeurons)
    {
        var o = input.Options;
        _level = o.TriggerScanSignal == TriggerScanSignal.Level;
        // Without prefill statistics (a baseline older than format 3) the plan leaves the threshold at +∞; the
        // whole-request ones keep the score finite for display.
        _center = input.Baselines.Select(b => b.Prefill?.Mean ?? b.Mean).ToArray();
        _invScale = input.Baselines.Select(b => 1f / Math.Max(Scale(b, _level), o.StdFloor)).ToArray();
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

    private float Z(int i, float x) => MathF.Abs(x - (_level ? _center[i] : _previous[i])) * _invScale[i];

    private static float Scale(SlotBaseline b, bool level) =>
        b.Prefill is { } p ? (level ? p.Std : p.DeltaRms) : (level ? b.Std : b.DeltaRms);
}
