using Google.Protobuf.Collections;
using NeuronGuard.Daemon.Monitoring;
using NeuronGuard.Engine.Scoring;

namespace NeuronGuard.Daemon.Telemetry;

/// <summary>What a session keeps for one open request; touched only under the session's lock.</summary>
internal sealed class LiveRequest(string id, string tenant, MapField<string, string> labels, ModelPlan plan, RequestScorer? scorer)
{
    public string Id { get; } = id;

    public string Tenant { get; } = tenant;

    public MapField<string, string> Labels { get; } = labels;

    public ModelPlan Plan { get; } = plan;

    /// <summary>Null when the model had no plan at RequestStart (the request is counted, not scored).</summary>
    public RequestScorer? Scorer { get; } = scorer;

    /// <summary>Per detector of the plan: flagged at some step of this request.</summary>
    public bool[] Flagged { get; } = new bool[plan.Plan?.Detectors.Count ?? 0];

    public bool AnyFlagged { get; set; }

    /// <summary>Where the request's verdicts are kept for Control.GetRequest; null when the history is off.</summary>
    public RequestTrace? Trace { get; set; }

    public bool Aborted { get; set; }

    public int Frames { get; set; }

    /// <summary>The gains last sent (applied / shadow), to send an Attenuate only when they change.</summary>
    public string AppliedKey { get; set; } = "";

    public string ShadowKey { get; set; } = "";

    /// <summary>The (set, mode) mitigations already counted for this request; null until the first.</summary>
    public HashSet<(string Set, Api.V1.MitigationMode Mode)>? Mitigations { get; set; }
}
