using NeuronGuard.Api.V1;
using NeuronGuard.Engine.Scoring;

namespace NeuronGuard.Daemon.Telemetry;

/// <summary>
/// Flags and the policy applied to each request: the decision is <see cref="MitigationDecision"/>'s; this part
/// records flags and the positions flagging detectors name, counts mitigations and sends an Attenuate only when a
/// request's gains change, a MaskAttention only when its masked positions grow (or an Abort). A request's decision is
/// re-made on every new flag, every new named position and every policy change.
/// </summary>
public sealed partial class TelemetrySession
{
    /// <summary>Marks newly flagged detectors; true when any detector flagged for the first time in this request.</summary>
    private bool CheckFlags(LiveRequest request, RequestScorer scorer)
    {
        bool newly = false, named = false;
        var results = scorer.Results;
        for (int i = 0; i < results.Length; i++)
        {
            if (results[i].Flag && !request.Flagged[i])
            {
                request.Flagged[i] = true;
                newly = true;
                var spec = request.Plan.Plan!.Detectors[i];
                _ctx.Metrics.ForTenant(request.Tenant).Flagged(Labels.Detector(spec.Kind), spec.Set?.Name ?? "");
            }
            if (request.Flagged[i])
            {
                // Prompt positions only (the first frame's steps); copied only when the detector names more of them
                // than before, so an ordinary frame allocates nothing.
                var positions = scorer.FlaggedPositions(i);
                int inPrompt = 0;
                while (inPrompt < positions.Length && positions[inPrompt] < scorer.PromptSteps)
                {
                    inPrompt++;
                }
                if (inPrompt > (request.Positions[i]?.Length ?? 0))
                {
                    request.Positions[i] = positions[..inPrompt].ToArray();
                    named = true;
                }
            }
        }
        if (newly)
        {
            request.AnyFlagged = true;
        }
        if (newly || named)
        {
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
        flagged.FlaggedPositions.Add(verdict.FlaggedPositions); // copied: a later frame's verdict may be a recycled one
        request.Plan.Explanations.AddExplained(verdict.TopNeurons, flagged.TopNeurons);
        flagged.Labels.Add(request.Labels);
        _ctx.Flags.Add(flagged);
    }

    /// <summary>Re-decides the request's mitigation under the current policy and sends what changed.</summary>
    private void UpdateMitigation(LiveRequest request)
    {
        if (request.Aborted || request.Plan.Plan is not { } plan)
        {
            return;
        }
        var outcome = MitigationDecision.Decide(plan, request.Flagged, _policy, request.Tenant, request.Positions);
        var metrics = _ctx.Metrics.ForTenant(request.Tenant);
        for (int i = 0; i < outcome.Mitigations.Count; i++)
        {
            // Counted once per request, set and mode (neuronguard_mitigations_total).
            var (set, mode) = outcome.Mitigations[i];
            if ((request.Mitigations ??= []).Add((set, mode)))
            {
                metrics.Mitigated(set, Labels.Mode(mode));
            }
        }
        if (outcome.Abort is { } abort)
        {
            request.Aborted = true;
            metrics.Mitigated(abort.Set, Labels.Mode(MitigationMode.Abort));
            _writer.Send(new DaemonMessage { Abort = new Abort { RequestId = request.Id, Reason = abort.Reason } });
            return;
        }
        SendMaskIfGrown(request, outcome.MaskPositions);
        SendGainsIfChanged(request, outcome.Applied, shadow: false);
        SendGainsIfChanged(request, outcome.Shadow, shadow: true);
    }

    /// <summary>
    /// Sends the masked positions when they differ from the last MaskAttention. The mask only grows on the server (it
    /// lasts for the rest of the request), so a policy turned off later does not unmask: the message carries the union.
    /// </summary>
    private void SendMaskIfGrown(LiveRequest request, int[]? positions)
    {
        if (positions is null)
        {
            return;
        }
        string key = string.Join(',', positions);
        if (key == request.MaskKey)
        {
            return;
        }
        request.MaskKey = key;
        var mask = new MaskAttention { RequestId = request.Id, PolicyVersion = (ulong)_policy.Version };
        foreach (int p in positions)
        {
            mask.Positions.Add((uint)p);
        }
        _writer.Send(new DaemonMessage { MaskAttention = mask });
    }

    private void SendGainsIfChanged(LiveRequest request, float[]? gains, bool shadow)
    {
        string key = MitigationOutcome.Key(gains);
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
        _writer.Send(new DaemonMessage { Attenuate = attenuate });
    }
}
