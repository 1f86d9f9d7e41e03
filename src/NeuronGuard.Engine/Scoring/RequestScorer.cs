using NeuronGuard.Engine.Detectors;

namespace NeuronGuard.Engine.Scoring;

/// <summary>
/// Scores one request incrementally as frames of (steps × slots) values arrive, packed in slot order. Feeding
/// allocates nothing: detectors, results and top-neuron buffers are preallocated and reused through the plan's
/// pool. Bad frames are returned as a <see cref="FrameStatus"/>, never thrown, and change nothing.
/// </summary>
public sealed class RequestScorer : IDisposable
{
    private readonly MonitorPlan _plan;
    private readonly Detector[] _detectors;
    private readonly DetectorResult[] _results;
    private readonly int _slots;
    private bool _rented;

    internal RequestScorer(MonitorPlan plan, Detector[] detectors)
    {
        _plan = plan;
        _detectors = detectors;
        _results = new DetectorResult[detectors.Length];
        _slots = plan.Slots.Count;
    }

    /// <summary>The step the next frame must start at.</summary>
    public int NextStep { get; private set; }

    /// <summary>Steps of the first frame (the prompt's prefill block): named positions below it are prompt positions.</summary>
    public int PromptSteps { get; private set; }

    public MonitorPlan Plan => _plan;

    /// <summary>Every detector's verdict after the last accepted frame, in <see cref="MonitorPlan.Detectors"/> order.</summary>
    public ReadOnlySpan<DetectorResult> Results => _results;

    public bool AnyFlag
    {
        get
        {
            foreach (var r in _results)
            {
                if (r.Flag)
                {
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>Top contributing neurons of detector <paramref name="detector"/> (index into <see cref="Results"/>).</summary>
    public ReadOnlySpan<NeuronContribution> TopNeurons(int detector) => _detectors[detector].TopNeurons;

    /// <summary>Prompt positions detector <paramref name="detector"/> names as its flag's cause, ascending (empty for most).</summary>
    public ReadOnlySpan<int> FlaggedPositions(int detector) => _detectors[detector].FlaggedPositions;

    /// <summary>Feeds steps <paramref name="firstStep"/> … firstStep + steps − 1.</summary>
    public FrameStatus Feed(int firstStep, int steps, ReadOnlySpan<float> values)
    {
        if (steps < 1 || values.Length != (long)steps * _slots)
        {
            return FrameStatus.WrongLength;
        }
        if (firstStep != NextStep)
        {
            return FrameStatus.OutOfOrder;
        }
        foreach (float v in values)
        {
            if (!float.IsFinite(v))
            {
                return FrameStatus.NonFinite;
            }
        }
        foreach (var d in _detectors)
        {
            d.BeginFrame(firstStep, steps);
        }
        for (int t = 0; t < steps; t++)
        {
            var row = values.Slice(t * _slots, _slots);
            foreach (var d in _detectors)
            {
                d.Observe(firstStep + t, row);
            }
        }
        NextStep = firstStep + steps;
        if (firstStep == 0)
        {
            PromptSteps = steps;
        }
        UpdateResults();
        return FrameStatus.Ok;
    }

    /// <summary>Forgets the request; the next frame starts at step 0.</summary>
    public void Reset()
    {
        foreach (var d in _detectors)
        {
            d.Reset();
        }
        NextStep = 0;
        PromptSteps = 0;
        UpdateResults();
    }

    /// <summary>Gives the scorer back to its plan's pool; do not use it afterwards.</summary>
    public void Dispose()
    {
        if (_rented)
        {
            _rented = false;
            _plan.Return(this);
        }
    }

    internal void Activate()
    {
        Reset();
        _rented = true;
    }

    private void UpdateResults()
    {
        for (int i = 0; i < _detectors.Length; i++)
        {
            var d = _detectors[i];
            _results[i] = new DetectorResult(d.Name, d.Kind, d.Score, d.Threshold, d.Flag, d.ScoreStep);
        }
    }
}
