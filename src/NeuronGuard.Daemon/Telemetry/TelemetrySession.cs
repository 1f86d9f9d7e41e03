using System.Diagnostics;
using Microsoft.Extensions.Logging;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Monitoring;
using NeuronGuard.Daemon.Policies;
using Grpc.Core;

namespace NeuronGuard.Daemon.Telemetry;

/// <summary>
/// One model-server stream, the protocol: Hello → Welcome, then many multiplexed requests scored frame by frame. The
/// reader loop and the policy/plan callbacks share one lock over the request table; what leaves the lock goes through
/// the <see cref="VerdictWriter"/>. What the policy does to a request is <see cref="MitigationDecision"/>'s answer.
/// Message handlers are in TelemetrySession.Messages.cs, applying decisions in TelemetrySession.Mitigation.cs.
/// </summary>
public sealed partial class TelemetrySession
{
    /// <summary>Undecodable messages in a row after which the stream is ended: its peer does not speak this protocol.</summary>
    internal const int MaxUndecodableInARow = 32;

    private readonly DaemonContext _ctx;
    private readonly ServerCallContext _call;
    private readonly VerdictWriter _writer;
    private readonly object _gate = new();
    private readonly Dictionary<string, LiveRequest> _requests = new(StringComparer.Ordinal);
    private readonly ILogger _log;
    private float[] _values = new float[1024];
    private string? _fingerprint;
    private ModelPlan? _plan;
    private ModelPlan? _pending;
    private EffectivePolicy _policy;
    private int _undecodableInARow;
    private bool _closed; // under _gate: callbacks arriving after Close must not touch the (pooled) HttpContext

    internal TelemetrySession(DaemonContext ctx, ServerCallContext call)
    {
        _ctx = ctx;
        _call = call;
        _writer = new VerdictWriter(ctx.Metrics, ctx.Telemetry);
        _log = ctx.Logging.CreateLogger("NeuronGuard.Telemetry");
        _policy = ctx.Policy.Current;
        ConnectedAt = ctx.Time.GetUtcNow();
    }

    /// <summary>Null until Hello.</summary>
    public string? ServerId { get; private set; }

    public string ModelId { get; private set; } = "";

    /// <summary>Who this stream is, as live watchers and the request history see it; null until Hello.</summary>
    public VerdictSource? Source { get; private set; }

    public DateTimeOffset ConnectedAt { get; }

    /// <summary>
    /// The plan new requests of this stream are scored with (null before Hello); a plan without slots means the server
    /// is connected but not monitored. Read without the lock: the reference is replaced, never mutated.
    /// </summary>
    internal ModelPlan? CurrentPlan => Volatile.Read(ref _plan);

    /// <summary>The policy version the server last acknowledged (-1: none yet).</summary>
    public long AckedVersion { get; private set; } = -1;

    /// <summary>Verdicts dropped because the server read too slowly.</summary>
    public long Dropped => _writer.Dropped;

    internal async Task RunAsync(IAsyncStreamReader<ModelServerMessage> requests, IServerStreamWriter<DaemonMessage> responses)
    {
        var writer = _writer.Start(responses);
        try
        {
            while (await requests.MoveNext(_call.CancellationToken).ConfigureAwait(false))
            {
                long received = Stopwatch.GetTimestamp();
                lock (_gate)
                {
                    Handle(requests.Current, received);
                }
                if (_writer.Stuck)
                {
                    LogStuck(_log, ServerId ?? _call.Peer, _ctx.Telemetry.StreamQueueLimit);
                    throw RpcErrors.Create(StatusCode.ResourceExhausted,
                        $"the model server has not read its responses: more than {_ctx.Telemetry.StreamQueueLimit} messages are queued for it. Read the response stream continuously, then reconnect.");
                }
                if (_undecodableInARow >= MaxUndecodableInARow)
                {
                    throw RpcErrors.Create(StatusCode.InvalidArgument,
                        $"{MaxUndecodableInARow} messages in a row could not be decoded as neuronguard.v1.ModelServerMessage: this peer does not speak the Telemetry protocol.");
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
            await _writer.CompleteAsync(writer, () => _call.GetHttpContext().Abort()).ConfigureAwait(false);
        }
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
                r.Trace?.End(null, _ctx.Time.GetUtcNow());
                CountEnded(r);
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

    /// <summary>A catalog or baseline of this stream's model was activated: a new Welcome, applied at the next re-Hello.</summary>
    internal void OnPlanChanged(ModelPlan plan)
    {
        lock (_gate)
        {
            if (_closed || _fingerprint is null || !string.Equals(plan.Fingerprint, _fingerprint, StringComparison.OrdinalIgnoreCase) || plan.Plan is null)
            {
                return;
            }
            if (_plan is { Plan: not null } current && current.SameSlots(plan))
            {
                _plan = plan; // same slots: new requests can use it at once
                _pending = null;
            }
            else
            {
                _pending = plan;
            }
            _writer.Send(new DaemonMessage { Welcome = Welcome(plan) });
            AbortIfStuck();
        }
    }

    /// <summary>The policy changed: push it, then re-derive every open request's mitigation under it.</summary>
    internal void OnPolicyChanged(EffectivePolicy policy)
    {
        lock (_gate)
        {
            _policy = policy;
            if (ServerId is null || _closed)
            {
                return;
            }
            _writer.Send(new DaemonMessage { PolicyUpdate = new PolicyUpdate { Policy = policy.ToProto() } });
            foreach (var request in _requests.Values.ToList())
            {
                UpdateMitigation(request);
            }
            AbortIfStuck();
        }
    }

    /// <summary>Called under the lock by callbacks from other threads: the reader loop may be idle, so reset the stream.</summary>
    private void AbortIfStuck()
    {
        if (_writer.Stuck)
        {
            _call.GetHttpContext().Abort();
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
