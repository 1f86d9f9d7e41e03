using Prometheus;

namespace NeuronGuard.Daemon.Metrics;

/// <summary>
/// Per-tenant counters, resolved once per tenant by <see cref="DaemonMetrics.ForTenant"/>. Frame counters are held
/// directly; per-request labels (verdict, detector, set, mode) are looked up in their family, which allocates nothing
/// once the combination exists.
/// </summary>
public sealed class TenantMetrics
{
    private readonly DaemonMetrics _owner;
    private readonly Counter.Child _frames, _values, _steps, _started;

    internal TenantMetrics(DaemonMetrics owner, string tenant)
    {
        _owner = owner;
        Tenant = tenant;
        _frames = owner.Frames.WithLabels(tenant);
        _values = owner.NeuronValues.WithLabels(tenant);
        _steps = owner.Steps.WithLabels(tenant);
        _started = owner.RequestsStarted.WithLabels(tenant);
    }

    /// <summary>The tenant label value ("other" for tenants beyond MaxTenants).</summary>
    public string Tenant { get; }

    /// <summary>One Activations message of <paramref name="steps"/> steps carrying <paramref name="values"/> neuron values.</summary>
    public void Frame(int steps, int values)
    {
        _frames.Inc();
        _steps.Inc(steps);
        _values.Inc(values);
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
