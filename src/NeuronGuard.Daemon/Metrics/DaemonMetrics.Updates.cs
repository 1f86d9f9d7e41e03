namespace NeuronGuard.Daemon.Metrics;

/// <summary>The daemon-wide updates: streams, policy, store, gRPC and auth.</summary>
public sealed partial class DaemonMetrics
{
    public void ObserveVerdictLatency(double seconds) => _verdictLatency.Observe(seconds);

    /// <summary>
    /// A verdict's latency; <paramref name="flaggedRequestId"/> (null for clean verdicts) rides along as the exemplar, so
    /// a latency spike links to the request in <c>neuronguard ctl flagged</c>.
    /// </summary>
    public void ObserveVerdictLatency(double seconds, string? flaggedRequestId)
    {
        if (flaggedRequestId is null)
        {
            _verdictLatency.Observe(seconds);
        }
        else
        {
            _verdictLatency.Observe(seconds, RequestExemplar(flaggedRequestId));
        }
    }

    /// <summary><paramref name="kind"/>: verdict, watch or attenuate.</summary>
    public void DroppedMessage(string kind) => Dropped.WithLabels(Known(kind, DroppedKinds)).Inc();

    /// <summary><paramref name="reason"/> from the fixed set (unknown_request, out_of_order, …); anything else counts as "other".</summary>
    public void StreamError(string reason) => StreamErrors.WithLabels(Known(reason, StreamErrorReasons)).Inc();

    public void ModelServerConnected(string serverId) => _serversConnected.Inc();

    /// <summary>One fewer connected server; its policy-version series disappears.</summary>
    public void ModelServerDisconnected(string serverId)
    {
        _serversConnected.Dec();
        ServerPolicyVersion.Remove(serverId);
    }

    /// <summary>
    /// Reads the number of connected but unmonitored servers just before each scrape, so the gauge cannot drift from
    /// the sessions it counts (a plan changes under a session without a hook here).
    /// </summary>
    public void TrackUnmonitored(Func<int> count)
    {
        ArgumentNullException.ThrowIfNull(count);
        Registry.AddBeforeCollectCallback(() => _unmonitored.Set(count()));
    }

    public void ModelServerPolicyVersion(string serverId, long version) => ServerPolicyVersion.WithLabels(serverId).Set(version);

    /// <summary>
    /// Replaces the exported policy: its version, and one mode series (value 1) and one strength series per set and
    /// scope. The mode is the enum, labelled by <see cref="Labels.Mode"/> ("on_flag", as neuronguard_mitigations_total).
    /// </summary>
    public void SetPolicy(long version, IEnumerable<(string Set, string Scope, Api.V1.MitigationMode Mode, double Strength)> entries)
    {
        var list = entries.ToList();
        lock (_gate)
        {
            MitigationMode.Clear();
            MitigationStrength.Clear();
            foreach (var (set, scope, mode, strength) in list)
            {
                var s = string.IsNullOrEmpty(scope) ? "global" : scope;
                MitigationMode.WithLabels(set, s, Labels.Mode(mode)).Set(1);
                MitigationStrength.WithLabels(set, s).Set(strength);
            }
            _policyVersion.Set(version);
        }
    }

    public void SetStoreHealth(Storage.Sync.StoreHealthState state, bool up) => SetStoreHealth(Labels.StoreState(state), up);

    /// <summary><paramref name="state"/>: serving, serving_from_snapshot, degraded or not_serving.</summary>
    public void SetStoreHealth(string state, bool up)
    {
        if (Array.IndexOf(StoreStates, state) < 0)
        {
            throw new ArgumentException($"Unknown store state '{state}'; use one of: {string.Join(", ", StoreStates)}.", nameof(state));
        }
        for (int i = 0; i < StoreStates.Length; i++)
        {
            _storeHealth[i].Set(StoreStates[i] == state ? 1 : 0);
        }
        _storeUp.Set(up ? 1 : 0);
    }

    public void ActiveRequests(int delta) => _activeRequests.Inc(delta);

    /// <summary>A completed gRPC call; <paramref name="code"/> is the status name, e.g. "OK", "INVALID_ARGUMENT".</summary>
    public void GrpcCall(string service, string method, string code, double seconds)
    {
        GrpcHandled.WithLabels(service, method, code).Inc();
        GrpcSeconds.WithLabels(service, method).Observe(seconds);
    }

    public void AuthFailure(string code) => AuthFailures.WithLabels(code).Inc();

    public void IntegrityAlarm(string set, bool on) => Integrity.WithLabels(set).Set(on ? 1 : 0);
}
