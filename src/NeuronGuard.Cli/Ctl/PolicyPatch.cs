using NeuronGuard.Api.V1;

namespace NeuronGuard.Cli.Ctl;

/// <summary>
/// `ctl policy set` as a patch (issue 24 item 7): SetMitigation replaces an entry, so the CLI reads the current entry
/// and sends back every field the command line did not give. The write carries the version it read as
/// expected_version, so a change made in between is refused (ABORTED) instead of overwritten; the CLI then reads
/// again and retries.
/// </summary>
internal sealed record PolicyPatch
{
    public required string Set { get; init; }

    public string Tenant { get; init; } = "";

    public MitigationMode? Mode { get; init; }

    public float? Strength { get; init; }

    public GainPreset? Preset { get; init; }

    public uint? TopK { get; init; }

    /// <summary>New TTL in seconds; null keeps the current expiry; 0 (from --no-ttl) clears it.</summary>
    public uint? TtlSeconds { get; init; }

    public string Reason { get; init; } = "";

    /// <summary>The request that applies this patch to <paramref name="current"/> (null: no entry yet) at <paramref name="nowUnixMs"/>.</summary>
    public SetMitigationRequest Apply(Mitigation? current, ulong policyVersion, long nowUnixMs)
    {
        var mode = Mode ?? current?.Mode
            ?? throw new CtlUsageException($"{Set} has no {(Tenant.Length == 0 ? "global" : $"tenant {Tenant}")} entry yet: give --mode (off, shadow, on-flag, always, abort or mask-attention).");
        var preset = Preset ?? current?.Preset ?? GainPreset.Unspecified;
        var request = new SetMitigationRequest
        {
            Set = Set,
            Tenant = Tenant,
            Mode = mode,
            Preset = preset,
            // top-k belongs to its preset (aura's cut, det0's count): kept only while the preset stays the same.
            TopK = TopK ?? (current is not null && Same(preset, current.Preset) ? current.TopK : 0),
            TtlSeconds = TtlSeconds ?? Remaining(current, nowUnixMs),
            ExpectedVersion = policyVersion,
            Reason = Reason,
        };
        if (Strength is { } s)
        {
            request.Strength = s;
        }
        else if (current is not null && current.Strength > 0)
        {
            request.Strength = current.Strength;
        }
        return request;
    }

    /// <summary>Same preset, with unspecified read as aura (the daemon's default).</summary>
    private static bool Same(GainPreset a, GainPreset b) =>
        (a == GainPreset.Unspecified ? GainPreset.Aura : a) == (b == GainPreset.Unspecified ? GainPreset.Aura : b);

    /// <summary>Seconds left of the current entry's expiry, rounded up so it never ends early; 0 when it has none.</summary>
    internal static uint Remaining(Mitigation? current, long nowUnixMs)
    {
        if (current is null || current.ExpiresAtUnixMs == 0)
        {
            return 0;
        }
        long ms = current.ExpiresAtUnixMs - nowUnixMs;
        return ms <= 0 ? 1 : (uint)Math.Min((ms + 999) / 1000, uint.MaxValue);
    }
}
