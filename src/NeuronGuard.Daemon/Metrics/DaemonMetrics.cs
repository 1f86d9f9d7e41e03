using System.Collections.Concurrent;

namespace NeuronGuard.Daemon.Metrics;

/// <summary>
/// Every NeuronGuard metric, on one registry. Label values that come from outside (tenants, servers, sets) are
/// bounded: tenants by <see cref="MetricsOptions.MaxTenants"/>, neurons by <see cref="MetricsOptions.TopNeurons"/> per set,
/// everything else by each family's series cap; fixed vocabularies (verdicts, detectors, modes, reasons) map unknown
/// values to "other". docs/metrics.md lists each metric.
/// </summary>
public sealed class DaemonMetrics
{
    internal static readonly string[] Verdicts = ["clean", "flagged", "aborted", "error"];
    internal static readonly string[] Detectors = ["coverage", "toxicity", "safety", "backdoor", "integrity"];
    internal static readonly string[] MitigationModes = ["on_flag", "always", "shadow", "abort"];
    internal static readonly string[] DroppedKinds = ["verdict", "watch", "attenuate"];
    internal static readonly string[] StreamErrorReasons =
        ["unknown_request", "out_of_order", "wrong_length", "non_finite", "duplicate_request", "fingerprint_mismatch", "no_hello", "too_large", "no_plan", "other"];
    internal static readonly string[] StoreStates = ["serving", "serving_from_snapshot", "degraded", "not_serving"];

    /// <summary>Verdict latency bounds: 50 µs to 1 s.</summary>
    public static readonly double[] LatencyBuckets = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

    /// <summary>Detector score bounds, for scores in [0, 20] (standardized activations and coverage shares).</summary>
    public static readonly double[] ScoreBuckets = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10, 15, 20];

    /// <summary>gRPC handling-time bounds: 100 µs to 10 s (unary calls; streams count their whole life).</summary>
    public static readonly double[] GrpcBuckets = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60, 300];

    private readonly MetricsOptions _options;
    private readonly object _gate = new();
    private readonly ConcurrentDictionary<string, TenantMetrics> _tenants = new(StringComparer.Ordinal);
    private readonly TenantMetrics _otherTenant;
    private readonly Counter _tenantFolds;
    private readonly Histogram _verdictLatency;
    private readonly Gauge _serversConnected, _policyVersion, _storeUp, _activeRequests;
    private readonly Gauge[] _storeHealth;
    private readonly ConcurrentDictionary<(string Set, int Layer, int Neuron), NeuronMetrics> _neurons = new();
    private readonly ConcurrentDictionary<string, int> _neuronsPerSet = new(StringComparer.Ordinal);

    public DaemonMetrics(MetricsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxTenants < 1 || options.TopNeurons < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Metrics: MaxTenants must be >= 1 and TopNeurons >= 0.");
        }
        _options = options;
        var r = Registry = new MetricRegistry("neuronguard_metrics_series_dropped_total");
        int tenants = options.MaxTenants + 1;

        Frames = r.CounterFamily("neuronguard_frames_total", "Activations messages received from model servers, by tenant.", tenants, "tenant");
        NeuronValues = r.CounterFamily("neuronguard_neuron_values_total", "Neuron activation values received (steps times monitored neurons), by tenant.", tenants, "tenant");
        Steps = r.CounterFamily("neuronguard_steps_total", "Decoding steps received (a prefill block counts each of its steps), by tenant.", tenants, "tenant");
        RequestsStarted = r.CounterFamily("neuronguard_requests_started_total", "Requests whose monitoring started (RequestStart received), by tenant.", tenants, "tenant");
        Requests = r.CounterFamily("neuronguard_requests_total", "Requests whose monitoring ended, by tenant and final verdict (clean, flagged, aborted, error).", tenants * (Verdicts.Length + 1), "tenant", "verdict");
        Flags = r.CounterFamily("neuronguard_request_flags_total", "Requests flagged, by tenant, detector and neuron set (set=\"all\" for coverage). One request can be flagged by several detectors.", 20_000, "tenant", "detector", "set");
        Scores = r.HistogramFamily("neuronguard_detector_score", "Final score of each request per detector, compared against that detector's calibrated threshold.", ScoreBuckets, "detector");
        Mitigations = r.CounterFamily("neuronguard_mitigations_total", "Requests a mitigation was applied to, by tenant, neuron set and mode (on_flag, always, shadow, abort).", 20_000, "tenant", "set", "mode");
        _verdictLatency = r.Histogram("neuronguard_verdict_latency_seconds", "Time from receiving an Activations message to sending its Verdict, in seconds.", LatencyBuckets);
        Dropped = r.CounterFamily("neuronguard_dropped_messages_total", "Outgoing messages dropped because a slow receiver's queue was full, by kind (verdict, watch, attenuate).", "kind");
        StreamErrors = r.CounterFamily("neuronguard_stream_errors_total", "Per-request errors sent on Telemetry streams, by reason (malformed or unexpected model-server input).", "reason");
        _serversConnected = r.Gauge("neuronguard_model_servers_connected", "Model servers with an open Telemetry stream to this daemon.");
        ServerPolicyVersion = r.GaugeFamily("neuronguard_model_server_policy_version", "Policy version each connected model server last acknowledged (PolicyAck), by server id.", "server");
        _policyVersion = r.Gauge("neuronguard_policy_version", "Version of the mitigation policy this daemon currently holds.");
        MitigationMode = r.GaugeFamily("neuronguard_mitigation_mode", "1 for the mitigation mode currently configured for each neuron set and scope (tenant or \"global\").", "set", "scope", "mode");
        MitigationStrength = r.GaugeFamily("neuronguard_mitigation_strength", "Configured mitigation strength per neuron set and scope (0 none, 1 full).", "set", "scope");
        _storeUp = r.Gauge("neuronguard_store_up", "1 when the catalog/baseline/policy store answers, 0 when it does not.");
        var storeHealth = r.GaugeFamily("neuronguard_store_health", "1 for the store's current state (serving, serving_from_snapshot, degraded, not_serving), 0 for the others.", "state");
        _storeHealth = StoreStates.Select(s => storeHealth.WithLabels(s)).ToArray();
        _activeRequests = r.Gauge("neuronguard_active_requests", "Requests being monitored right now (started, not yet ended).");
        GrpcHandled = r.CounterFamily("neuronguard_grpc_server_handled_total", "gRPC calls completed by the daemon, by service, method and status code.", "service", "method", "code");
        GrpcSeconds = r.HistogramFamily("neuronguard_grpc_server_handling_seconds", "Time from a gRPC call's start to its completion, in seconds, by service and method.", GrpcBuckets, "service", "method");
        AuthFailures = r.CounterFamily("neuronguard_auth_failures_total", "Calls rejected by authentication or authorization, by status code.", "code");
        Integrity = r.GaugeFamily("neuronguard_integrity_alarm", "1 while the integrity detector reports a neuron set silent or constant (a pruned or tampered model), else 0.", "set");
        ActivationMean = r.GaugeFamily("neuronguard_neuron_activation_mean", "Moving mean (EWMA, weight 0.01 per step) of a catalogued neuron's activation; neuron=\"L<layer>N<index>\". Top neurons per set only.", "set", "neuron");
        BaselineMean = r.GaugeFamily("neuronguard_neuron_baseline_mean", "Mean activation of a catalogued neuron in its calibration baseline, for comparison with neuronguard_neuron_activation_mean.", "set", "neuron");
        ProcessMetrics.Register(r, "neuronguard_build_info", typeof(DaemonMetrics).Assembly);

        _tenantFolds = r.DroppedSeries.WithLabels("tenant");
        _otherTenant = new TenantMetrics(this, MetricFamily<Counter>.Other);
        foreach (var state in _storeHealth)
        {
            state.Set(0);
        }
    }

    public MetricRegistry Registry { get; }

    public MetricsOptions Options => _options;

    internal CounterFamily Frames { get; }
    internal CounterFamily NeuronValues { get; }
    internal CounterFamily Steps { get; }
    internal CounterFamily RequestsStarted { get; }
    internal CounterFamily Requests { get; }
    internal CounterFamily Flags { get; }
    internal HistogramFamily Scores { get; }
    internal CounterFamily Mitigations { get; }
    internal CounterFamily Dropped { get; }
    internal CounterFamily StreamErrors { get; }
    internal GaugeFamily ServerPolicyVersion { get; }
    internal GaugeFamily MitigationMode { get; }
    internal GaugeFamily MitigationStrength { get; }
    internal CounterFamily GrpcHandled { get; }
    internal HistogramFamily GrpcSeconds { get; }
    internal CounterFamily AuthFailures { get; }
    internal GaugeFamily Integrity { get; }
    internal GaugeFamily ActivationMean { get; }
    internal GaugeFamily BaselineMean { get; }

    /// <summary>
    /// The counters of one tenant ("" is "default"). The first <see cref="MetricsOptions.MaxTenants"/> distinct tenants
    /// get their own label value; later ones share tenant="other" and count in neuronguard_metrics_series_dropped_total{metric="tenant"}.
    /// Allocation-free once the tenant is known; resolve once per request.
    /// </summary>
    public TenantMetrics ForTenant(string tenant)
    {
        tenant ??= "";
        if (tenant.Length == 0)
        {
            tenant = "default";
        }
        if (_tenants.TryGetValue(tenant, out var known))
        {
            return known;
        }
        lock (_gate)
        {
            if (_tenants.TryGetValue(tenant, out known))
            {
                return known;
            }
            if (_tenants.Count >= _options.MaxTenants)
            {
                _tenantFolds.Inc();
                return _otherTenant;
            }
            var created = new TenantMetrics(this, tenant);
            _tenants[tenant] = created;
            return created;
        }
    }

    public void ObserveVerdictLatency(double seconds) => _verdictLatency.Observe(seconds);

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

    public void ModelServerPolicyVersion(string serverId, long version) => ServerPolicyVersion.WithLabels(serverId).Set(version);

    /// <summary>Replaces the exported policy: its version, and one mode series (value 1) and one strength series per set and scope.</summary>
    public void SetPolicy(long version, IEnumerable<(string Set, string Scope, string Mode, double Strength)> entries)
    {
        var list = entries.ToList();
        lock (_gate)
        {
            MitigationMode.Clear();
            MitigationStrength.Clear();
            foreach (var (set, scope, mode, strength) in list)
            {
                var s = string.IsNullOrEmpty(scope) ? "global" : scope;
                MitigationMode.WithLabels(set, s, mode).Set(1);
                MitigationStrength.WithLabels(set, s).Set(strength);
            }
            _policyVersion.Set(version);
        }
    }

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

    /// <summary>
    /// The neuron-view handle of one catalogued neuron. The first <see cref="MetricsOptions.TopNeurons"/> neurons asked
    /// for per set are exported (pass them in catalogue order, most significant first); later ones get
    /// <see cref="NeuronMetrics.Noop"/>. Asking again for the same neuron returns the same handle and updates its baseline.
    /// </summary>
    public NeuronMetrics Neuron(string set, int layer, int neuron, float baselineMean)
    {
        var key = (set, layer, neuron);
        if (!_neurons.TryGetValue(key, out var handle))
        {
            lock (_gate)
            {
                if (!_neurons.TryGetValue(key, out handle))
                {
                    int count = _neuronsPerSet.GetValueOrDefault(set);
                    if (count >= _options.TopNeurons)
                    {
                        return NeuronMetrics.Noop;
                    }
                    _neuronsPerSet[set] = count + 1;
                    string label = $"L{layer}N{neuron}";
                    handle = new NeuronMetrics(ActivationMean.WithLabels(set, label));
                    _neurons[key] = handle;
                }
            }
        }
        BaselineMean.WithLabels(set, $"L{layer}N{neuron}").Set(baselineMean);
        return handle;
    }

    /// <summary>Forgets every neuron-view series (after a catalog or baseline switch), so the next calls pick the new top neurons.</summary>
    public void ResetNeurons()
    {
        lock (_gate)
        {
            _neurons.Clear();
            _neuronsPerSet.Clear();
            ActivationMean.Clear();
            BaselineMean.Clear();
        }
    }

    /// <summary>The value itself when it is in <paramref name="allowed"/>, else "other" (keeps label values a fixed set).</summary>
    internal static string Known(string value, string[] allowed)
    {
        foreach (var a in allowed)
        {
            if (string.Equals(a, value, StringComparison.Ordinal))
            {
                return a;
            }
        }
        return MetricFamily<Counter>.Other;
    }
}
