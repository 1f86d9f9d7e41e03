using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Engine.Scoring;

namespace NeuronGuard.Daemon.Telemetry;

/// <summary>
/// Everything a session sends, in order, through one <see cref="OutboundQueue"/> drained by one writer task: a slow
/// model server never blocks scoring (verdicts beyond the verdict limit are dropped and counted) and never grows
/// memory without bound (beyond the hard limit the stream is marked stuck and the session ends it). Per-frame
/// verdicts come from a small pool and return to it once written, so a frame allocates no verdict.
/// </summary>
internal sealed class VerdictWriter(DaemonMetrics metrics, TelemetryOptions options)
{
    private const int PoolSize = 64;
    private const int MaxBatch = 64;
    private static readonly WriteOptions BufferHint = new(WriteFlags.BufferHint);
    private readonly OutboundQueue _out = new(options.VerdictQueueLimit, options.StreamQueueLimit);
    private readonly ConcurrentQueue<DaemonMessage> _pool = new();
    private long _dropped;
    private volatile bool _stuck;
    private volatile bool _stopWriting;

    /// <summary>Set when even a directive no longer fit: the model server is not reading and the stream must end.</summary>
    public bool Stuck => _stuck;

    /// <summary>Verdicts dropped because the server read too slowly.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues a directive (never dropped); marks the stream stuck when even those no longer fit.</summary>
    public void Send(DaemonMessage message)
    {
        if (!_out.TryEnqueue(message))
        {
            _stuck = true;
        }
    }

    /// <summary>Queues a verdict unless the queue is over its verdict limit (then it is dropped and counted).</summary>
    /// <param name="received">Stopwatch time the frame arrived: the writer observes the verdict latency.</param>
    /// <param name="recycle">The message came from <see cref="RentVerdict"/> and nothing else holds it.</param>
    public void SendVerdict(DaemonMessage message, long received, bool recycle)
    {
        if (!_out.TryEnqueueVerdict(message, received, recycle))
        {
            Interlocked.Increment(ref _dropped);
            metrics.DroppedMessage("verdict");
        }
    }

    public void SendError(string requestId, StatusCode code, string reason, string message)
    {
        metrics.StreamError(reason);
        Send(new DaemonMessage { Error = new StreamError { RequestId = requestId, Code = (int)code, Message = message } });
    }

    /// <summary>A verdict message to fill: a pooled one unless <paramref name="shared"/> (something else will keep it).</summary>
    public DaemonMessage RentVerdict(bool shared) =>
        shared || !_pool.TryDequeue(out var pooled) ? new DaemonMessage { Verdict = new Verdict() } : pooled;

    /// <summary>
    /// Writes the scorer's state into <paramref name="verdict"/> (new or recycled: its DetectorScore objects are reused).
    /// Top neurons are read only when asked: the first flagging frame and the final verdict carry them.
    /// </summary>
    public Verdict Fill(Verdict verdict, LiveRequest request, RequestScorer scorer, bool final, bool withTopNeurons)
    {
        verdict.RequestId = request.Id;
        verdict.Step = (uint)Math.Max(0, scorer.NextStep - 1);
        verdict.Final = final;
        verdict.Flagged = false;
        verdict.TopNeurons.Clear();
        verdict.FlaggedPositions.Clear(); // cleared, not replaced: a recycled verdict keeps its capacity
        var results = scorer.Results;
        var detectors = request.Plan.Plan!.Detectors;
        if (verdict.Scores.Count != results.Length)
        {
            verdict.Scores.Clear();
            for (int i = 0; i < results.Length; i++)
            {
                verdict.Scores.Add(new DetectorScore());
            }
        }
        for (int i = 0; i < results.Length; i++)
        {
            var r = results[i];
            var score = verdict.Scores[i];
            score.Detector = Labels.ToProto(r.Kind);
            score.Score = r.Score;
            score.Threshold = r.Threshold;
            score.Flagged = r.Flag;
            if (!r.Flag)
            {
                continue;
            }
            verdict.Flagged = true;
            AddPositions(verdict.FlaggedPositions, scorer.FlaggedPositions(i));
            if (!withTopNeurons)
            {
                continue;
            }
            var top = scorer.TopNeurons(i);
            int n = Math.Min(top.Length, options.TopNeuronsPerVerdict);
            for (int k = 0; k < n; k++)
            {
                verdict.TopNeurons.Add(new Api.V1.NeuronContribution
                {
                    Slot = (uint)top[k].Slot,
                    Neuron = new NeuronRef { Layer = (uint)top[k].Neuron.Layer, Index = (uint)top[k].Neuron.Index },
                    Set = detectors[i].Set?.Name ?? "",
                    Contribution = top[k].Value,
                });
            }
        }
        return verdict;
    }

    /// <summary>Merges a detector's ascending positions into the verdict's, keeping them ascending and distinct.</summary>
    private static void AddPositions(Google.Protobuf.Collections.RepeatedField<uint> into, ReadOnlySpan<int> positions)
    {
        foreach (int p in positions)
        {
            uint v = (uint)p;
            int at = into.Count;
            while (at > 0 && into[at - 1] > v)
            {
                at--;
            }
            if (at > 0 && into[at - 1] == v)
            {
                continue;
            }
            if (at == into.Count)
            {
                into.Add(v);
            }
            else
            {
                into.Insert(at, v);
            }
        }
    }

    /// <summary>The writer task: drains the queue into <paramref name="responses"/> until <see cref="CompleteAsync"/>.</summary>
    public Task Start(IServerStreamWriter<DaemonMessage> responses) => Task.Run(() => WriteLoopAsync(responses));

    /// <summary>
    /// Ends the queue and waits (at most 5 s) for the writer: a stuck peer gets none of its backlog, only the status;
    /// a writer still blocked on a peer that does not read is cut off with <paramref name="abort"/>.
    /// </summary>
    public async Task CompleteAsync(Task writer, Action abort)
    {
        _stopWriting = _stuck;
        _out.Complete();
        try
        {
            await writer.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            abort();
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException or RpcException)
        {
            // The peer is gone; nothing more can be sent.
        }
    }

    private async Task WriteLoopAsync(IServerStreamWriter<DaemonMessage> responses)
    {
        var reader = _out.Reader;
        // No token: a cancelable wait allocates per wake-up; the queue is completed when the call ends.
        int batched = 0;
        while (!_stopWriting && await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (!_stopWriting && reader.TryRead(out var item))
            {
                _out.Dequeued();
                // A message already readable behind this one goes out in the same flush (at most 64 per flush). Only a
                // readable one counts: buffering on a message still being enqueued could leave this one unflushed.
                bool more = reader.TryPeek(out _) && ++batched < MaxBatch;
                responses.WriteOptions = more ? BufferHint : null;
                if (!more)
                {
                    batched = 0;
                }
                await responses.WriteAsync(item.Message).ConfigureAwait(false);
                if (item.ReceivedTimestamp != 0)
                {
                    // Flagged verdicts are never pooled ones: the exemplar (the request id) costs only flagged requests.
                    metrics.ObserveVerdictLatency(Stopwatch.GetElapsedTime(item.ReceivedTimestamp).TotalSeconds,
                        !item.Recycle && item.Message.Verdict is { Flagged: true } v ? v.RequestId : null);
                }
                if (item.Recycle && _pool.Count < PoolSize)
                {
                    _pool.Enqueue(item.Message); // written: the transport no longer holds it
                }
            }
        }
    }
}
