using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Monitoring;
using NeuronGuard.Daemon.Policies;
using Grpc.Core;

namespace NeuronGuard.Daemon.Telemetry;

/// <summary>
/// One model-server stream: Hello → Welcome, then many multiplexed requests scored frame by frame. The reader loop
/// and the policy/plan callbacks share one lock over the request table; the only thing that leaves the lock is the
/// ordered <see cref="OutboundQueue"/>, drained by one writer task, so a slow model server never blocks scoring
/// (verdicts are dropped and counted) and never grows memory without bound (the stream ends instead).
/// Message handling is in TelemetrySession.Messages.cs, mitigation in TelemetrySession.Mitigation.cs.
/// </summary>
public sealed partial class TelemetrySession
{
    private readonly DaemonContext _ctx;
    private readonly ServerCallContext _call;
    private readonly OutboundQueue _out;
    private readonly object _gate = new();
    private readonly Dictionary<string, LiveRequest> _requests = new(StringComparer.Ordinal);
    private readonly ILogger _log;
    private const int VerdictPoolSize = 64;
    private const int MaxBatch = 64;
    private static readonly WriteOptions BufferHint = new(WriteFlags.BufferHint);
    private readonly ConcurrentQueue<DaemonMessage> _verdictPool = new();
    private float[] _values = new float[1024];
    private string? _fingerprint;
    private ModelPlan? _plan;
    private ModelPlan? _pending;
    private EffectivePolicy _policy;
    private long _dropped;
    private volatile bool _stuck;
    private volatile bool _stopWriting;
    private bool _closed; // under _gate: callbacks arriving after Close must not touch the (pooled) HttpContext

    internal TelemetrySession(DaemonContext ctx, ServerCallContext call)
    {
        _ctx = ctx;
        _call = call;
        _out = new OutboundQueue(ctx.Telemetry.VerdictQueueLimit, ctx.Telemetry.StreamQueueLimit);
        _log = ctx.Logging.CreateLogger("NeuronGuard.Telemetry");
        _policy = ctx.Policy.Current;
        ConnectedAt = ctx.Time.GetUtcNow();
    }

    /// <summary>Null until Hello.</summary>
    public string? ServerId { get; private set; }

    public string ModelId { get; private set; } = "";

    public DateTimeOffset ConnectedAt { get; }

    /// <summary>
    /// The plan new requests of this stream are scored with (null before Hello); a plan without slots means the server
    /// is connected but not monitored. Read without the lock: the reference is replaced, never mutated.
    /// </summary>
    internal ModelPlan? CurrentPlan => Volatile.Read(ref _plan);

    /// <summary>The policy version the server last acknowledged (-1: none yet).</summary>
    public long AckedVersion { get; private set; } = -1;

    /// <summary>Verdicts dropped because the server read too slowly.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    internal async Task RunAsync(IAsyncStreamReader<ModelServerMessage> requests, IServerStreamWriter<DaemonMessage> responses)
    {
        var writer = Task.Run(() => WriteLoopAsync(responses));
        try
        {
            while (await requests.MoveNext(_call.CancellationToken).ConfigureAwait(false))
            {
                long received = Stopwatch.GetTimestamp();
                lock (_gate)
                {
                    Handle(requests.Current, received);
                }
                if (_stuck)
                {
                    LogStuck(_log, ServerId ?? _call.Peer, _ctx.Telemetry.StreamQueueLimit);
                    throw RpcErrors.Create(StatusCode.ResourceExhausted,
                        $"the model server has not read its responses: more than {_ctx.Telemetry.StreamQueueLimit} messages are queued for it. Read the response stream continuously, then reconnect.");
                }
                if (writer.IsCompleted)
                {
                    await writer.ConfigureAwait(false); // surfaces the write failure
                    break;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException && _call.GetHttpContext().RequestAborted.IsCancellationRequested)
        {
            // The model server reset the stream or dropped the connection: a disconnect, not a daemon error. grpc-dotnet
            // surfaces it as IOException or OperationCanceledException; either would otherwise be logged as an error.
        }
        finally
        {
            Close();
            // A stuck peer gets no more of its backlog: the status is what it needs, after the write in progress.
            _stopWriting = _stuck;
            _out.Complete();
            try
            {
                await writer.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Still blocked on a peer that does not read: reset the stream so the call can end.
                _call.GetHttpContext().Abort();
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException or RpcException)
            {
                // The peer is gone; nothing more can be sent.
            }
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
                    _ctx.Metrics.ObserveVerdictLatency(Stopwatch.GetElapsedTime(item.ReceivedTimestamp).TotalSeconds,
                        !item.Recycle && item.Message.Verdict is { Flagged: true } v ? v.RequestId : null);
                }
                if (item.Recycle && _verdictPool.Count < VerdictPoolSize)
                {
                    _verdictPool.Enqueue(item.Message); // written: the transport no longer holds it
                }
            }
        }
    }

    /// <summary>Queues a directive (never dropped); marks the stream stuck when even those no longer fit.</summary>
    private void Send(DaemonMessage message)
    {
        if (!_out.TryEnqueue(message))
        {
            _stuck = true;
        }
    }

    private void SendVerdict(DaemonMessage message, long received, bool recycle)
    {
        if (!_out.TryEnqueueVerdict(message, received, recycle))
        {
            Interlocked.Increment(ref _dropped);
            _ctx.Metrics.DroppedMessage("verdict");
        }
    }

    private void SendError(string requestId, StatusCode code, string reason, string message)
    {
        _ctx.Metrics.StreamError(reason);
        Send(new DaemonMessage { Error = new StreamError { RequestId = requestId, Code = (int)code, Message = message } });
    }

    /// <summary>Disconnect: every open request is released (scorers back to their pools), the server unregistered.</summary>
    private void Close()
    {
        lock (_gate)
        {
            _closed = true;
            foreach (var r in _requests.Values)
            {
                r.Scorer?.Dispose();
                _ctx.Metrics.ForTenant(r.Tenant).RequestEnded("error");
                _ctx.Metrics.ActiveRequests(-1);
            }
            _requests.Clear();
        }
        if (ServerId is not null)
        {
            _ctx.Sessions.Remove(this);
            _ctx.Metrics.ModelServerDisconnected(ServerId);
            LogDisconnected(_log, ServerId, Dropped);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "model server '{ServerId}' connected (model {Fingerprint}, {Slots} slots, catalog '{Catalog}', baseline '{Baseline}')")]
    private static partial void LogConnected(ILogger logger, string serverId, string fingerprint, int slots, string catalog, string baseline);

    [LoggerMessage(Level = LogLevel.Information, Message = "model server '{ServerId}' disconnected ({Dropped} verdicts dropped)")]
    private static partial void LogDisconnected(ILogger logger, string serverId, long dropped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "model server '{ServerId}' stopped reading: over {Limit} messages queued for it; its stream is ended (RESOURCE_EXHAUSTED) and its requests released")]
    private static partial void LogStuck(ILogger logger, string serverId, int limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "model server '{ServerId}': {Problem}")]
    private static partial void LogNoPlan(ILogger logger, string serverId, string problem);
}
