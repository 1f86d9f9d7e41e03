using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Policies;
using NeuronGuard.Daemon.Telemetry;

namespace NeuronGuard.Daemon.Monitoring;

/// <summary>Connected model-server streams: policy and plan changes are pushed to them, Control reports their state.</summary>
public sealed class SessionRegistry
{
    private readonly object _gate = new();
    private TelemetrySession[] _sessions = [];

    public int Count => Volatile.Read(ref _sessions).Length;

    internal void Add(TelemetrySession session)
    {
        lock (_gate)
        {
            _sessions = [.. _sessions, session];
        }
    }

    internal void Remove(TelemetrySession session)
    {
        lock (_gate)
        {
            _sessions = _sessions.Where(s => s != session).ToArray();
        }
    }

    internal void PolicyChanged(EffectivePolicy policy)
    {
        foreach (var s in Volatile.Read(ref _sessions))
        {
            s.OnPolicyChanged(policy);
        }
    }

    internal void PlanChanged(ModelPlan plan)
    {
        foreach (var s in Volatile.Read(ref _sessions))
        {
            s.OnPlanChanged(plan);
        }
    }

    /// <summary>Connected servers (after Hello) of an expected model whose plan has no slots: counted, never scored.</summary>
    public int UnmonitoredCount()
    {
        int n = 0;
        foreach (var s in Volatile.Read(ref _sessions))
        {
            if (s.CurrentPlan is { Plan: null, Expected: true })
            {
                n++;
            }
        }
        return n;
    }

    /// <summary>Why the first unmonitored server is not monitored, with how many there are; null when every one is.</summary>
    public string? UnmonitoredReason()
    {
        var unmonitored = Volatile.Read(ref _sessions).Where(s => s.CurrentPlan is { Plan: null, Expected: true }).ToList();
        if (unmonitored.Count == 0)
        {
            return null;
        }
        var first = unmonitored[0];
        return $"{unmonitored.Count} connected model server(s) not monitored (0 slots); first: server '{first.ServerId}': {first.CurrentPlan!.Problem ?? "its model has no scoring plan"}";
    }

    /// <summary>Every connected server (after Hello) with its model, records and policy version (Control.GetOverview).</summary>
    public List<ConnectedServer> Servers() =>
        Volatile.Read(ref _sessions).Where(s => s.Source is not null).Select(s =>
        {
            var plan = s.CurrentPlan;
            return new ConnectedServer
            {
                ServerId = s.Source!.ServerId,
                ModelId = s.ModelId,
                ModelName = s.Source.ModelName,
                ModelFingerprint = s.Source.Fingerprint,
                CatalogVersion = plan?.Plan is null ? "" : plan.CatalogVersion,
                BaselineVersion = plan?.Plan is null ? "" : plan.BaselineVersion,
                AckedPolicyVersion = (ulong)Math.Max(0, s.AckedVersion),
                ConnectedAtUnixMs = s.ConnectedAt.ToUnixTimeMilliseconds(),
                Monitored = plan?.Plan is not null,
                Problem = plan?.Plan is null ? plan?.Problem ?? "" : "",
            };
        }).ToList();

    /// <summary>Every connected server with the policy version it last acknowledged (Control.GetPolicy).</summary>
    public List<ServerPolicyState> States() =>
        Volatile.Read(ref _sessions).Where(s => s.ServerId is not null).Select(s => new ServerPolicyState
        {
            ServerId = s.ServerId!,
            ModelId = s.ModelId,
            AckedVersion = (ulong)Math.Max(0, s.AckedVersion),
            ConnectedAtUnixMs = s.ConnectedAt.ToUnixTimeMilliseconds(),
        }).ToList();
}
