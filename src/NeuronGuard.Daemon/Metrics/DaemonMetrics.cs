using System.Collections.Concurrent;
using Prometheus;

namespace NeuronGuard.Daemon.Metrics;

/// <summary>
/// Every NeuronGuard metric, defined on a prometheus-net registry this instance owns (never the static default, so
/// tests and several daemons in one process stay apart). Label values that come from outside (tenants, servers, sets)
/// are bounded: tenants by <see cref="MetricsOptions.MaxTenants"/>, neurons by <see cref="MetricsOptions.TopNeurons"/> per
/// model and set, everything else by each family's series cap; fixed vocabularies (verdicts, detectors, modes, reasons)
/// map unknown values to "other". docs/metrics.md lists each metric.
/// </summary>
public sealed partial class DaemonMetrics
{
    internal static readonly string[] Verdicts = ["clean", "flagged", "aborted", "error"];
    internal static readonly string[] Detectors = Labels.Detectors;
    internal static readonly string[] MitigationModes = Labels.ActiveModes;
    internal static readonly string[] DroppedKinds = ["verdict", "watch", "attenuate"];
    internal static readonly string[] StreamErrorReasons =
        ["unknown_request", "out_of_order", "wrong_length", "non_finite", "duplicate_request", "fingerprint_mismatch", "no_hello", "too_large", "no_plan", "undecodable", "unknown_model", "other"];
    internal static readonly string[] StoreStates = Labels.StoreStates;

    /// <summary>Series cap of a family whose values come from outside and have no tighter bound of their own.</summary>
    internal const int DefaultMaxSeries = 1_000;

    /// <summary>Verdict latency bounds: 50 µs to 1 s.</summary>
    public static readonly double[] LatencyBuckets = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

    /// <summary>
    /// Raw detector score bounds, 1-2-5 steps from 0.01 to 10,000: coverage shares (0–1), standardized activations
    /// (units to tens) and backdoor variations (hundreds: ~800 on the fixture) all land inside them.
    /// </summary>
    public static readonly double[] ScoreBuckets = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

    /// <summary>Score ÷ calibrated threshold bounds: dense around 1 (the flag line), the same for every detector.</summary>
    public static readonly double[] ScoreRatioBuckets = [0.1, 0.25, 0.5, 0.75, 0.9, 1, 1.1, 1.25, 1.5, 2, 3, 5, 10, 100];

    /// <summary>gRPC handling-time bounds: 100 µs to 10 s (unary calls; streams count their whole life).</summary>
    public static readonly double[] GrpcBuckets = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60, 300];

    /// <summary>The exemplar label naming the request (as <c>neuronguard ctl flagged</c> lists it).</summary>
    private static readonly Exemplar.LabelKey RequestIdKey = Exemplar.Key("request_id");

    private readonly object _gate = new();
    private readonly ConcurrentDictionary<string, TenantMetrics> _tenants = new(StringComparer.Ordinal);
    private readonly TenantMetrics _otherTenant;
    private readonly Counter.Child _tenantFolds;
    private readonly Histogram _verdictLatency;
    private readonly Gauge _serversConnected, _unmonitored, _policyVersion, _storeUp, _activeRequests;
    private readonly Gauge.Child[] _storeHealth;

    public DaemonMetrics(MetricsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxTenants < 1 || options.TopNeurons < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Metrics: MaxTenants must be >= 1 and TopNeurons >= 0.");
        }
        Options = options;
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var f = Prometheus.Metrics.WithCustomRegistry(Registry);
        // No automatic exemplars (prometheus-net would read Activity.Current on every update): only flagged requests
        // carry one, given explicitly.
        f.ExemplarBehavior = ExemplarBehavior.NoExemplars();
        var dropped = f.CreateCounter("neuronguard_metrics_series_dropped_total",
            "Label combinations that arrived after their metric reached its series cap and were counted under label values \"other\" instead.", "metric");
        BoundedFamily<Counter.Child> Counters(string name, string help, int max, params string[] labels) => new(f.CreateCounter(name, help, labels), max, dropped);
        BoundedFamily<Gauge.Child> Gauges(string name, string help, params string[] labels) => new(f.CreateGauge(name, help, labels), DefaultMaxSeries, dropped);
        BoundedFamily<Histogram.Child> Histograms(string name, string help, double[] buckets, params string[] labels) =>
            new(f.CreateHistogram(name, help, labels, new HistogramConfiguration { Buckets = buckets }), DefaultMaxSeries, dropped);
        int tenants = options.MaxTenants + 1;

        Frames = Counters("neuronguard_frames_total", "Activations messages received from model servers, by tenant.", tenants, "tenant");
        NeuronValues = Counters("neuronguard_neuron_values_total", "Neuron activation values received (steps times monitored neurons), by tenant.", tenants, "tenant");
        Steps = Counters("neuronguard_steps_total", "Decoding steps received (a prefill block counts each of its steps), by tenant.", tenants, "tenant");
        RequestsStarted = Counters("neuronguard_requests_started_total", "Requests whose monitoring started (RequestStart received), by tenant.", tenants, "tenant");
        Requests = Counters("neuronguard_requests_total", "Requests whose monitoring ended, by tenant and final verdict (clean, flagged, aborted, error).", tenants * (Verdicts.Length + 1), "tenant", "verdict");
        Flags = Counters("neuronguard_request_flags_total", "Requests flagged, by tenant, detector and neuron set (set=\"all\" for coverage). One request can be flagged by several detectors.", 20_000, "tenant", "detector", "set");
        Scores = Histograms("neuronguard_detector_score", "Final score of each request per detector, compared against that detector's calibrated threshold.", ScoreBuckets, "detector");
        ScoreRatios = Histograms("neuronguard_detector_score_ratio", "Final score of each request per detector divided by that detector's calibrated threshold (1 and above is flagged).", ScoreRatioBuckets, "detector");
        Mitigations = Counters("neuronguard_mitigations_total", "Requests a mitigation was applied to, by tenant, neuron set and mode (on_flag, always, shadow, abort, mask_attention).", 20_000, "tenant", "set", "mode");
        _verdictLatency = f.CreateHistogram("neuronguard_verdict_latency_seconds", "Time from receiving an Activations message to sending its Verdict, in seconds.",
            new HistogramConfiguration { Buckets = LatencyBuckets });
        Dropped = Counters("neuronguard_dropped_messages_total", "Outgoing messages dropped because a slow receiver's queue was full, by kind (verdict, watch, attenuate).", DefaultMaxSeries, "kind");
        StreamErrors = Counters("neuronguard_stream_errors_total", "Per-request errors sent on Telemetry streams, by reason (malformed or unexpected model-server input).", DefaultMaxSeries, "reason");
        _serversConnected = f.CreateGauge("neuronguard_model_servers_connected", "Model servers with an open Telemetry stream to this daemon.");
        _unmonitored = f.CreateGauge("neuronguard_unmonitored_model_servers",
            "Connected model servers whose model has no usable catalog and baseline (0 slots): their requests are counted but not scored. /readyz says why.");
        ServerPolicyVersion = Gauges("neuronguard_model_server_policy_version", "Policy version each connected model server last acknowledged (PolicyAck), by server id.", "server");
        _policyVersion = f.CreateGauge("neuronguard_policy_version", "Version of the mitigation policy this daemon currently holds.");
        MitigationMode = Gauges("neuronguard_mitigation_mode", "1 for the mitigation mode currently configured for each neuron set and scope (tenant or \"global\").", "set", "scope", "mode");
        MitigationStrength = Gauges("neuronguard_mitigation_strength", "Configured mitigation strength per neuron set and scope (0 none, 1 full).", "set", "scope");
        _storeUp = f.CreateGauge("neuronguard_store_up", "1 when the catalog/baseline/policy store answers, 0 when it does not.");
        var storeHealth = f.CreateGauge("neuronguard_store_health", "1 for the store's current state (serving, serving_from_snapshot, degraded, not_serving), 0 for the others.", "state");
        _storeHealth = StoreStates.Select(s => storeHealth.WithLabels(s)).ToArray();
        _activeRequests = f.CreateGauge("neuronguard_active_requests", "Requests being monitored right now (started, not yet ended).");
        GrpcHandled = Counters("neuronguard_grpc_server_handled_total", "gRPC calls completed by the daemon, by service, method and status code.", DefaultMaxSeries, "service", "method", "code");
        GrpcSeconds = Histograms("neuronguard_grpc_server_handling_seconds", "Time from a gRPC call's start to its completion, in seconds, by service and method.", GrpcBuckets, "service", "method");
        AuthFailures = Counters("neuronguard_auth_failures_total", "Calls rejected by authentication or authorization, by status code.", DefaultMaxSeries, "code");
        Integrity = Gauges("neuronguard_integrity_alarm", "1 while the integrity detector reports a neuron set whose spread collapsed or mean dropped against the baseline (a pruned, scaled-down or tampered model), else 0.", "set");
        ActivationMean = Gauges("neuronguard_neuron_activation_mean", "Moving mean (EWMA, weight 0.01 per step) of a catalogued neuron's activation; neuron=\"L<layer>N<index>\". Top neurons per model and set only.", "model", "model_name", "set", "neuron");
        BaselineMean = Gauges("neuronguard_neuron_baseline_mean", "Mean activation of a catalogued neuron in its calibration baseline, for comparison with neuronguard_neuron_activation_mean.", "model", "model_name", "set", "neuron");
        CreateStoreLossMetrics(f);
        RuntimeMetrics.Register(Registry, f, "neuronguard_build_info", typeof(DaemonMetrics).Assembly);
        Registry.AddBeforeCollectCallback(PublishNeurons);

        _tenantFolds = dropped.WithLabels("tenant");
        _otherTenant = new TenantMetrics(this, BoundedFamily<Counter.Child>.Other);
        foreach (var state in _storeHealth)
        {
            state.Set(0);
        }
    }

    /// <summary>The registry every metric of this daemon lives on; the metrics listener serves it.</summary>
    public CollectorRegistry Registry { get; }

    public MetricsOptions Options { get; }

    internal BoundedFamily<Counter.Child> Frames { get; }
    internal BoundedFamily<Counter.Child> NeuronValues { get; }
    internal BoundedFamily<Counter.Child> Steps { get; }
    internal BoundedFamily<Counter.Child> RequestsStarted { get; }
    internal BoundedFamily<Counter.Child> Requests { get; }
    internal BoundedFamily<Counter.Child> Flags { get; }
    internal BoundedFamily<Histogram.Child> Scores { get; }
    internal BoundedFamily<Histogram.Child> ScoreRatios { get; }
    internal BoundedFamily<Counter.Child> Mitigations { get; }
    internal BoundedFamily<Counter.Child> Dropped { get; }
    internal BoundedFamily<Counter.Child> StreamErrors { get; }
    internal BoundedFamily<Gauge.Child> ServerPolicyVersion { get; }
    internal BoundedFamily<Gauge.Child> MitigationMode { get; }
    internal BoundedFamily<Gauge.Child> MitigationStrength { get; }
    internal BoundedFamily<Counter.Child> GrpcHandled { get; }
    internal BoundedFamily<Histogram.Child> GrpcSeconds { get; }
    internal BoundedFamily<Counter.Child> AuthFailures { get; }
    internal BoundedFamily<Gauge.Child> Integrity { get; }
    internal BoundedFamily<Gauge.Child> ActivationMean { get; }
    internal BoundedFamily<Gauge.Child> BaselineMean { get; }

    /// <summary>An exemplar naming a request; pooled by prometheus-net, so made only for the few flagged observations.</summary>
    internal static Exemplar RequestExemplar(string requestId) => Exemplar.From(RequestIdKey.WithValue(requestId));

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
            if (_tenants.Count >= Options.MaxTenants)
            {
                _tenantFolds.Inc();
                return _otherTenant;
            }
            var created = new TenantMetrics(this, tenant);
            _tenants[tenant] = created;
            return created;
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
        return BoundedFamily<Counter.Child>.Other;
    }
}
