using Prometheus;

namespace NeuronGuard.Daemon.Metrics;

/// <summary>
/// Per-tenant counters, resolved once per tenant by <see cref="DaemonMetrics.ForTenant"/>. The per-frame counters
/// (frames, steps, values) are batched: a frame adds to three plain 64-bit fields with interlocked adds, and the sums move
/// into their prometheus-net counters just before each scrape. Three prometheus-net increments per frame (each a
/// compare-and-swap loop on a double plus its exemplar check) were most of the metrics' 1.27 % of scoring at 1,000
/// neurons; the scraped values are the same. Per-request labels (verdict, detector, set, mode) are looked up in their
/// family, which allocates nothing once the combination exists.
/// </summary>
public sealed class TenantMetrics
{
    private readonly DaemonMetrics _owner;
    private readonly Counter.Child _frames, _values, _steps, _started;
    private long _pendingFrames, _pendingSteps, _pendingValues;

    internal TenantMetrics(DaemonMetrics owner, string tenant)
    {
        _owner = owner;
        Tenant = tenant;
        _frames = owner.Frames.WithLabels(tenant);
        _values = owner.NeuronValues.WithLabels(tenant);
        _steps = owner.Steps.WithLabels(tenant);
        _started = owner.RequestsStarted.WithLabels(tenant);
        owner.Registry.AddBeforeCollectCallback(Flush);
    }

    /// <summary>The tenant label value ("other" for tenants beyond MaxTenants).</summary>
    public string Tenant { get; }

    /// <summary>One Activations message of <paramref name="steps"/> steps carrying <paramref name="values"/> neuron values.</summary>
    public void Frame(int steps, int values)
    {
        Interlocked.Increment(ref _pendingFrames);
        Interlocked.Add(ref _pendingSteps, steps);
        Interlocked.Add(ref _pendingValues, values);
    }

    /// <summary>Moves the batched frame counts into their counters (before each collect; exchange, so no frame is lost or counted twice).</summary>
    private void Flush()
    {
        if (Interlocked.Exchange(ref _pendingFrames, 0) is var f and > 0)
        {
            _frames.Inc(f);
        }
        if (Interlocked.Exchange(ref _pendingSteps, 0) is var s and > 0)
        {
            _steps.Inc(s);
        }
        if (Interlocked.Exchange(ref _pendingValues, 0) is var v and > 0)
        {
            _values.Inc(v);
        }
    }

    public void RequestStarted() => _started.Inc();

    /// <summary><paramref name="verdict"/>: clean, flagged, aborted or error (anything else counts as "other").</summary>
    public void RequestEnded(string verdict) =>
        _owner.Requests.WithLabels(Tenant, DaemonMetrics.Known(verdict, DaemonMetrics.Verdicts)).Inc();

    /// <summary>A detector flagged a request; <paramref name="set"/> is the neuron set ("" for coverage, exported as "all").</summary>
    public void Flagged(string detector, string set) =>
        _owner.Flags.WithLabels(Tenant, DaemonMetrics.Known(detector, DaemonMetrics.Detectors), set.Length == 0 ? "all" : set).Inc();

    /// <summary>A detector's final score for a request (the histogram is not per tenant).</summary>
    public void Score(string detector, double score) =>
        _owner.Scores.WithLabels(DaemonMetrics.Known(detector, DaemonMetrics.Detectors)).Observe(score);

    /// <summary>
    /// A detector's final score for a request, raw and divided by its calibrated <paramref name="threshold"/>; a flagged
    /// request's id (<paramref name="flaggedRequestId"/>, null when not flagged) is the exemplar of both observations.
    /// </summary>
    public void Score(string detector, double score, double threshold, string? flaggedRequestId)
    {
        string label = DaemonMetrics.Known(detector, DaemonMetrics.Detectors);
        var raw = _owner.Scores.WithLabels(label);
        var ratio = _owner.ScoreRatios.WithLabels(label);
        if (flaggedRequestId is null)
        {
            raw.Observe(score);
        }
        else
        {
            raw.Observe(score, DaemonMetrics.RequestExemplar(flaggedRequestId));
        }
        if (threshold <= 0)
        {
            return; // uncalibrated: no ratio (an infinite one would poison the histogram's sum)
        }
        if (flaggedRequestId is null)
        {
            ratio.Observe(score / threshold);
        }
        else
        {
            ratio.Observe(score / threshold, DaemonMetrics.RequestExemplar(flaggedRequestId));
        }
    }

    /// <summary>A mitigation applied to a request of this tenant; <paramref name="mode"/>: on_flag, always, shadow or abort.</summary>
    public void Mitigated(string set, string mode) =>
        _owner.Mitigations.WithLabels(Tenant, set, DaemonMetrics.Known(mode, DaemonMetrics.MitigationModes)).Inc();
}
