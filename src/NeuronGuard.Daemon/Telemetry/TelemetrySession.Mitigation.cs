using System.Text;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Policies;
using NeuronGuard.Engine.Detectors;
using NeuronGuard.Engine.Mitigation;
using NeuronGuard.Engine.Scoring;
using Detector = NeuronGuard.Api.V1.Detector;

namespace NeuronGuard.Daemon.Telemetry;

/// <summary>
/// Verdicts and the policy applied to each request: on_flag attenuates a set from the frame after one of its detectors
/// flags, always attenuates from the start, shadow reports the gains it would apply, abort ends a flagged request.
/// A request's gains are recomputed (and re-sent only when they change) on every flag and every policy change.
/// </summary>
public sealed partial class TelemetrySession
{
    /// <summary>Marks newly flagged detectors; true when any detector flagged for the first time in this request.</summary>
    private bool CheckFlags(LiveRequest request, RequestScorer scorer)
    {
        bool newly = false;
        var results = scorer.Results;
        for (int i = 0; i < results.Length; i++)
        {
            if (results[i].Flag && !request.Flagged[i])
            {
                request.Flagged[i] = true;
                newly = true;
                var spec = request.Plan.Plan!.Detectors[i];
                _ctx.Metrics.ForTenant(request.Tenant).Flagged(DetectorLabel(spec.Kind), spec.Set?.Name ?? "");
            }
        }
        if (newly)
        {
            request.AnyFlagged = true;
            UpdateMitigation(request);
        }
        return newly;
    }

    private void OnFirstFlags(LiveRequest request, Verdict verdict)
    {
        var flagged = new FlaggedRequest
        {
            RequestId = request.Id,
            ServerId = ServerId ?? "",
            Tenant = request.Tenant,
            FlaggedAtUnixMs = _ctx.Time.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        flagged.Scores.Add(verdict.Scores);
        flagged.TopNeurons.Add(verdict.TopNeurons);
        flagged.Labels.Add(request.Labels);
        _ctx.Flags.Add(flagged);
    }

    /// <summary>
    /// Writes the scorer's state into <paramref name="verdict"/> (new or recycled: its DetectorScore objects are reused).
    /// Top neurons are read only when asked: the first flagging frame and the final verdict carry them.
    /// </summary>
    private Verdict FillVerdict(Verdict verdict, LiveRequest request, RequestScorer scorer, bool final, bool withTopNeurons)
    {
        verdict.RequestId = request.Id;
        verdict.Step = (uint)Math.Max(0, scorer.NextStep - 1);
        verdict.Final = final;
        verdict.Flagged = false;
        verdict.TopNeurons.Clear();
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
            score.Detector = ToProto(r.Kind);
            score.Score = r.Score;
            score.Threshold = r.Threshold;
            score.Flagged = r.Flag;
            if (!r.Flag)
            {
                continue;
            }
            verdict.Flagged = true;
            if (!withTopNeurons)
            {
                continue;
            }
            var top = scorer.TopNeurons(i);
            int n = Math.Min(top.Length, _ctx.Telemetry.TopNeuronsPerVerdict);
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
            Send(new DaemonMessage { PolicyUpdate = new PolicyUpdate { Policy = policy.ToProto() } });
            foreach (var request in _requests.Values.ToList())
            {
                UpdateMitigation(request);
            }
            AbortIfStuck();
        }
    }

    /// <summary>Computes the request's applied and shadow gains and abort state under the current policy; sends what changed.</summary>
    private void UpdateMitigation(LiveRequest request)
    {
        if (request.Aborted || request.Plan.Plan is not { } plan)
        {
            return;
        }
        float[]? applied = null, shadow = null;
        string? abortReason = null;
        foreach (var set in plan.Layout.Sets)
        {
            var entry = _policy.Find(set.Name, request.Tenant);
            if (entry is null || entry.Mode == MitigationMode.Off)
            {
                continue;
            }
            bool flagged = SetFlagged(request, plan, set.Name, out var by);
            switch (entry.Mode)
            {
                case MitigationMode.Always:
                    Multiply(ref applied, plan, entry, set.Name);
                    CountMitigation(request, set.Name, "always");
                    break;
                case MitigationMode.OnFlag when flagged:
                    Multiply(ref applied, plan, entry, set.Name);
                    CountMitigation(request, set.Name, "on_flag");
                    break;
                case MitigationMode.Shadow when flagged:
                    Multiply(ref shadow, plan, entry, set.Name);
                    CountMitigation(request, set.Name, "shadow");
                    break;
                case MitigationMode.Abort when flagged:
                    abortReason ??= $"flagged by the {by} detector of set '{set.Name}', whose policy ({PolicyKeys.Scope(entry.Tenant)}, version {_policy.Version}) is abort";
                    break;
            }
        }
        if (abortReason is not null)
        {
            request.Aborted = true;
            _ctx.Metrics.ForTenant(request.Tenant).Mitigated(AbortSet(abortReason), "abort");
            Send(new DaemonMessage { Abort = new Abort { RequestId = request.Id, Reason = abortReason } });
            return;
        }
        SendGainsIfChanged(request, applied, shadow: false);
        SendGainsIfChanged(request, shadow, shadow: true);
    }

    /// <summary>Counts the request once per neuron set and mode whose mitigation applies to it (neuronguard_mitigations_total).</summary>
    private void CountMitigation(LiveRequest request, string set, string mode)
    {
        if ((request.Mitigations ??= []).Add((set, mode)))
        {
            _ctx.Metrics.ForTenant(request.Tenant).Mitigated(set, mode);
        }
    }

    private static string AbortSet(string reason)
    {
        int a = reason.IndexOf('\'') + 1;
        return reason[a..reason.IndexOf('\'', a)];
    }

    private void SendGainsIfChanged(LiveRequest request, float[]? gains, bool shadow)
    {
        string key = GainsKey(gains);
        if (key == (shadow ? request.ShadowKey : request.AppliedKey))
        {
            return;
        }
        if (shadow)
        {
            request.ShadowKey = key;
        }
        else
        {
            request.AppliedKey = key;
        }
        var attenuate = new Attenuate { RequestId = request.Id, PolicyVersion = (ulong)_policy.Version, Shadow = shadow };
        if (gains is not null)
        {
            for (int i = 0; i < gains.Length; i++)
            {
                if (gains[i] != 1f)
                {
                    attenuate.Gains.Add(new SlotGain { Slot = (uint)i, Gain = gains[i] });
                }
            }
        }
        Send(new DaemonMessage { Attenuate = attenuate });
    }

    private static string GainsKey(float[]? gains)
    {
        if (gains is null)
        {
            return "";
        }
        var sb = new StringBuilder();
        for (int i = 0; i < gains.Length; i++)
        {
            if (gains[i] != 1f)
            {
                sb.Append(i).Append(':').Append(BitConverter.SingleToInt32Bits(gains[i])).Append(',');
            }
        }
        return sb.ToString();
    }

    private static void Multiply(ref float[]? gains, MonitorPlan plan, PolicyEntry entry, string set)
    {
        gains ??= Enumerable.Repeat(1f, plan.Slots.Count).ToArray();
        Span<float> one = plan.Slots.Count <= 1024 ? stackalloc float[plan.Slots.Count] : new float[plan.Slots.Count];
        MitigationGains.Compute(plan.Layout, set, ToPreset(entry.Preset), entry.Strength, entry.TopK, one);
        for (int i = 0; i < one.Length; i++)
        {
            gains[i] *= one[i];
        }
    }

    /// <summary>Whether a detector of <paramref name="set"/> (other than the integrity alarm) has flagged this request.</summary>
    private static bool SetFlagged(LiveRequest request, MonitorPlan plan, string set, out string by)
    {
        for (int i = 0; i < request.Flagged.Length; i++)
        {
            var spec = plan.Detectors[i];
            if (request.Flagged[i] && spec.Kind != DetectorKind.Integrity && spec.Set?.Name == set)
            {
                by = DetectorLabel(spec.Kind);
                return true;
            }
        }
        by = "";
        return false;
    }

    private static MitigationPreset ToPreset(GainPreset preset) => preset switch
    {
        GainPreset.Det0 => MitigationPreset.Det0,
        GainPreset.Damp => MitigationPreset.Damp,
        _ => MitigationPreset.Aura,
    };

    internal static Detector ToProto(DetectorKind kind) => kind switch
    {
        DetectorKind.Coverage => Detector.Coverage,
        DetectorKind.Toxicity => Detector.Toxicity,
        DetectorKind.Safety => Detector.Safety,
        DetectorKind.Backdoor => Detector.Backdoor,
        _ => Detector.Integrity,
    };

    internal static string DetectorLabel(DetectorKind kind) => kind switch
    {
        DetectorKind.Coverage => "coverage",
        DetectorKind.Toxicity => "toxicity",
        DetectorKind.Safety => "safety",
        DetectorKind.Backdoor => "backdoor",
        _ => "integrity",
    };

    internal static string DetectorLabel(Detector detector) => detector switch
    {
        Detector.Coverage => "coverage",
        Detector.Toxicity => "toxicity",
        Detector.Safety => "safety",
        Detector.Backdoor => "backdoor",
        _ => "integrity",
    };
}
