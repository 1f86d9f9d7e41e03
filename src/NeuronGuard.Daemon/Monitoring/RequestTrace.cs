using System.Buffers;
using Google.Protobuf.Collections;
using NeuronGuard.Api.V1;

namespace NeuronGuard.Daemon.Monitoring;

/// <summary>
/// One request's verdicts, step by step, as <see cref="RequestHistory"/> keeps them. The session records each verdict
/// it writes (<see cref="Record"/>): a copy of the scores into arrays rented from the shared pool, grown by doubling up
/// to the step limit, so a frame allocates nothing beyond those (pooled, bounded) buffers. Reads and writes take the
/// trace's own lock (uncontended on the hot path: only a GetRequest reads). The buffers go back to the pool when the
/// trace leaves the history.
/// </summary>
internal sealed class RequestTrace
{
    private const int InitialSteps = 16;
    private readonly object _gate = new();
    private readonly int _maxSteps;
    private readonly Detector[] _detectors;
    private uint[] _steps;
    private float[] _values; // (step, detector, [score, threshold])
    private byte[] _flags;   // (step, 1 + detector): [0] bit 0 flagged, bit 1 final; [1 + d] detector d flagged
    private int _count;
    private long _dropped;
    private bool _evicted;
    private Verdict? _firstFlagged;
    private Verdict? _final;
    private bool _anyFlagged;

    public RequestTrace(string requestId, VerdictSource source, string tenant, MapField<string, string> labels, Detector[] detectors,
        DateTimeOffset startedAt, int maxSteps)
    {
        RequestId = requestId;
        Source = source;
        Tenant = tenant;
        Labels = labels;
        StartedAt = startedAt;
        _detectors = detectors;
        _maxSteps = maxSteps;
        int steps = Math.Min(InitialSteps, maxSteps);
        _steps = ArrayPool<uint>.Shared.Rent(steps);
        _values = ArrayPool<float>.Shared.Rent(Math.Max(1, steps * detectors.Length * 2));
        _flags = ArrayPool<byte>.Shared.Rent(steps * (detectors.Length + 1));
    }

    public string RequestId { get; }

    public VerdictSource Source { get; }

    public string Tenant { get; }

    public MapField<string, string> Labels { get; }

    public DateTimeOffset StartedAt { get; }

    /// <summary>The explanations of the catalog the request is scored with, for the top neurons GetRequest answers.</summary>
    public NeuronExplanations Explanations { get; init; } = NeuronExplanations.None;

    public DateTimeOffset? EndedAt { get; private set; }

    /// <summary>Copies <paramref name="verdict"/>'s scores (the verdict itself may be pooled and reused after this).</summary>
    public void Record(Verdict verdict)
    {
        lock (_gate)
        {
            if (_evicted)
            {
                return;
            }
            _anyFlagged |= verdict.Flagged;
            if (_count == _maxSteps)
            {
                _dropped++;
                return;
            }
            if (_count == _steps.Length)
            {
                Grow();
            }
            int d = _detectors.Length;
            _steps[_count] = verdict.Step;
            int flags = _count * (d + 1);
            _flags[flags] = (byte)((verdict.Flagged ? 1 : 0) | (verdict.Final ? 2 : 0));
            var scores = verdict.Scores;
            for (int i = 0; i < d; i++)
            {
                var s = i < scores.Count ? scores[i] : null;
                _values[(_count * d + i) * 2] = s?.Score ?? 0;
                _values[(_count * d + i) * 2 + 1] = s?.Threshold ?? 0;
                _flags[flags + 1 + i] = (byte)(s?.Flagged == true ? 1 : 0);
            }
            _count++;
        }
    }

    /// <summary>Keeps the first flagging verdict (a fresh one the session never reuses) for its top neurons.</summary>
    public void FirstFlagged(Verdict verdict)
    {
        lock (_gate)
        {
            _firstFlagged ??= verdict;
        }
    }

    /// <summary>The request ended with <paramref name="final"/> (null when it ended unscored).</summary>
    public void End(Verdict? final, DateTimeOffset at)
    {
        if (final is not null)
        {
            Record(final);
        }
        lock (_gate)
        {
            _final = final;
            EndedAt = at;
        }
    }

    /// <summary>Left the history: the buffers go back to the pool; later records are ignored.</summary>
    public void Evict()
    {
        lock (_gate)
        {
            if (_evicted)
            {
                return;
            }
            _evicted = true;
            ArrayPool<uint>.Shared.Return(_steps);
            ArrayPool<float>.Shared.Return(_values);
            ArrayPool<byte>.Shared.Return(_flags);
            _steps = [];
            _values = [];
            _flags = [];
        }
    }

    /// <summary>The request as Control.GetRequest answers it; null once evicted.</summary>
    public GetRequestResponse? ToProto()
    {
        lock (_gate)
        {
            if (_evicted)
            {
                return null;
            }
            var response = new GetRequestResponse
            {
                RequestId = RequestId,
                ServerId = Source.ServerId,
                ModelId = Source.ModelId,
                ModelFingerprint = Source.Fingerprint,
                ModelName = Source.ModelName,
                Tenant = Tenant,
                StartedAtUnixMs = StartedAt.ToUnixTimeMilliseconds(),
                EndedAtUnixMs = EndedAt?.ToUnixTimeMilliseconds() ?? 0,
                Flagged = _final?.Flagged ?? _anyFlagged,
                StepsDropped = (ulong)_dropped,
            };
            response.Labels.Add(Labels);
            int d = _detectors.Length;
            for (int k = 0; k < _count; k++)
            {
                int flags = k * (d + 1);
                var step = new RequestStep { Step = _steps[k], Flagged = (_flags[flags] & 1) != 0, Final = (_flags[flags] & 2) != 0 };
                for (int i = 0; i < d; i++)
                {
                    step.Scores.Add(new DetectorScore
                    {
                        Detector = _detectors[i],
                        Score = _values[(k * d + i) * 2],
                        Threshold = _values[(k * d + i) * 2 + 1],
                        Flagged = _flags[flags + 1 + i] != 0,
                    });
                }
                response.Steps.Add(step);
            }
            var top = _final is { TopNeurons.Count: > 0 } ? _final.TopNeurons : _firstFlagged?.TopNeurons;
            if (top is not null)
            {
                foreach (var n in top)
                {
                    response.TopNeurons.Add(new NeuronContribution(n) { Explanation = Explanations.Find(n.Neuron) });
                }
            }
            if (_final is { FlaggedPositions.Count: > 0 })
            {
                response.FlaggedPositions.Add(_final.FlaggedPositions);
            }
            else if (_firstFlagged is not null)
            {
                response.FlaggedPositions.Add(_firstFlagged.FlaggedPositions);
            }
            return response;
        }
    }

    private void Grow()
    {
        int d = _detectors.Length;
        int steps = Math.Min(_steps.Length * 2, _maxSteps);
        _steps = Regrow(_steps, steps, _count);
        _values = Regrow(_values, Math.Max(1, steps * d * 2), _count * d * 2);
        _flags = Regrow(_flags, steps * (d + 1), _count * (d + 1));
    }

    private static T[] Regrow<T>(T[] old, int size, int used)
    {
        var grown = ArrayPool<T>.Shared.Rent(size);
        Array.Copy(old, grown, used);
        ArrayPool<T>.Shared.Return(old);
        return grown;
    }
}
