using System.Text;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Policies;
using NeuronGuard.Engine.Catalogs;
using NeuronSetRole = NeuronGuard.Engine.Catalogs.NeuronSetRole;
using NeuronGuard.Engine.Detectors;
using NeuronGuard.Engine.Mitigation;
using NeuronGuard.Engine.Scoring;

namespace NeuronGuard.Daemon.Telemetry;

/// <summary>
/// What the policy does to one request, decided from data alone (the plan, which detectors flagged, the policy, the
/// tenant) so it can be tested without a stream: on_flag attenuates a set once one of its detectors flagged, always
/// attenuates from the start, shadow computes the gains it would apply, abort ends a flagged request, mask_attention
/// masks the prompt positions the flagging detectors name. A set without an entry gets its kind's default
/// (<see cref="DefaultPolicy"/>: abort for backdoor). Roles: a set is triggered by its own detectors and, when its role
/// is attenuate, by those of every detecting set of the same kind; gains come only from sets that attenuate. The
/// session sends what changed; nothing here touches a stream, a metric or a clock.
/// </summary>
public static class MitigationDecision
{
    /// <param name="flagged">Per detector of <paramref name="plan"/>: flagged at some step of the request.</param>
    /// <param name="positions">Per detector: the prompt positions it names (<see cref="Detector.FlaggedPositions"/>), null or
    /// empty when none; only mask_attention reads them.</param>
    public static MitigationOutcome Decide(MonitorPlan plan, ReadOnlySpan<bool> flagged, EffectivePolicy policy, string tenant,
        IReadOnlyList<int[]?>? positions = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(policy);
        float[]? applied = null, shadow = null;
        List<(string Set, MitigationMode Mode)>? counted = null;
        MitigationAbort? abort = null;
        SortedSet<int>? masked = null;
        foreach (var set in plan.Layout.Sets)
        {
            var entry = policy.Resolve(set.Name, set.Kind, tenant);
            if (entry is null || entry.Mode == MitigationMode.Off)
            {
                continue;
            }
            var by = FlaggedBy(plan, flagged, set);
            bool gains = set.Role.Attenuates();
            switch (entry.Mode)
            {
                case MitigationMode.Always when gains:
                    Multiply(ref applied, plan, entry, set.Name);
                    (counted ??= []).Add((set.Name, entry.Mode));
                    break;
                case MitigationMode.OnFlag when by is not null && gains:
                    Multiply(ref applied, plan, entry, set.Name);
                    (counted ??= []).Add((set.Name, entry.Mode));
                    break;
                case MitigationMode.Shadow when by is not null && gains:
                    Multiply(ref shadow, plan, entry, set.Name);
                    (counted ??= []).Add((set.Name, entry.Mode));
                    break;
                case MitigationMode.Abort when by is not null:
                    abort ??= new MitigationAbort(set.Name, by.Value, entry.Tenant, policy.Version);
                    break;
                case MitigationMode.MaskAttention when by is not null && positions is not null:
                    if (AddPositions(ref masked, plan, flagged, set, positions))
                    {
                        (counted ??= []).Add((set.Name, entry.Mode));
                    }
                    break;
            }
        }
        return applied is null && shadow is null && counted is null && abort is null
            ? MitigationOutcome.None
            : new MitigationOutcome(applied, shadow, counted ?? (IReadOnlyList<(string, MitigationMode)>)[], abort)
            {
                MaskPositions = masked?.ToArray(),
            };
    }

    /// <summary>
    /// The first detector (other than the integrity alarm) that flagged and triggers <paramref name="set"/>, or null.
    /// </summary>
    private static DetectorKind? FlaggedBy(MonitorPlan plan, ReadOnlySpan<bool> flagged, SetSlots set)
    {
        for (int i = 0; i < flagged.Length; i++)
        {
            if (flagged[i] && Triggers(plan.Detectors[i], set))
            {
                return plan.Detectors[i].Kind;
            }
        }
        return null;
    }

    /// <summary>
    /// Whether a flag of <paramref name="spec"/> triggers the policy of <paramref name="set"/>: a detector of the set
    /// itself, or, for an attenuate set (which has no detector), one of any set of the same kind (the detect sets).
    /// </summary>
    public static bool Triggers(DetectorSpec spec, SetSlots set) =>
        spec.Kind != DetectorKind.Integrity && spec.Set is { } own
        && (own.Name == set.Name || (set.Role == NeuronSetRole.Attenuate && own.Kind == set.Kind));

    /// <summary>Adds the positions of every flagged detector that triggers <paramref name="set"/>; true when any were named.</summary>
    private static bool AddPositions(ref SortedSet<int>? masked, MonitorPlan plan, ReadOnlySpan<bool> flagged, SetSlots set, IReadOnlyList<int[]?> positions)
    {
        bool any = false;
        for (int i = 0; i < flagged.Length && i < positions.Count; i++)
        {
            if (flagged[i] && Triggers(plan.Detectors[i], set) && positions[i] is { Length: > 0 } named)
            {
                (masked ??= []).UnionWith(named);
                any = true;
            }
        }
        return any;
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

    private static MitigationPreset ToPreset(GainPreset preset) => preset switch
    {
        GainPreset.Det0 => MitigationPreset.Det0,
        GainPreset.Damp => MitigationPreset.Damp,
        _ => MitigationPreset.Aura,
    };
}

/// <summary>
/// The decision for one request: per-slot gains applied and shadowed (null: all 1), the (set, mode) mitigations that
/// apply (counted once per request in neuronguard_mitigations_total), and an abort: when set, the request ends and
/// no gains are sent (the other sets' mitigations still count: they applied until the abort).
/// </summary>
public sealed record MitigationOutcome(float[]? Applied, float[]? Shadow, IReadOnlyList<(string Set, MitigationMode Mode)> Mitigations, MitigationAbort? Abort)
{
    /// <summary>Prompt positions to mask attention to (mode mask_attention), ascending; null when none.</summary>
    public int[]? MaskPositions { get; init; }

    /// <summary>Nothing applies (the common case at RequestStart): shared, so deciding it allocates nothing.</summary>
    public static MitigationOutcome None { get; } = new(null, null, [], null);

    /// <summary>A compact identity of <paramref name="gains"/> (the slots whose gain is not 1), to send gains only when they change.</summary>
    public static string Key(float[]? gains)
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
}

/// <summary>A flagged request whose set's policy is abort: the set, the detector that flagged it and the policy entry's scope.</summary>
public sealed record MitigationAbort(string Set, DetectorKind FlaggedBy, string Tenant, long PolicyVersion)
{
    /// <summary>The reason sent in the Abort message.</summary>
    public string Reason =>
        $"flagged by the {Labels.Detector(FlaggedBy)} detector of set '{Set}', whose policy ({PolicyKeys.Scope(Tenant)}, version {PolicyVersion}) is abort";
}
