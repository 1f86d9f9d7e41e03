using System.Text.Json;
using System.Text.Json.Serialization;
using NeuronGuard.Api.V1;

namespace NeuronGuard.Daemon.Policies;

/// <summary>
/// One mitigation setting for a neuron set in one scope, as stored (JSON) under the policy key <c>set/scope</c>.
/// The store keeps entries opaque, so this record is the only place that knows their shape.
/// </summary>
public sealed record PolicyEntry
{
    public required string Set { get; init; }

    /// <summary>"" for the global scope, else the tenant it applies to (overrides the global entry for that tenant).</summary>
    public string Tenant { get; init; } = "";

    public MitigationMode Mode { get; init; } = MitigationMode.Off;

    /// <summary>0–1: how far the AurA / Damp gains move from 1.</summary>
    public float Strength { get; init; } = 1f;

    public GainPreset Preset { get; init; } = GainPreset.Aura;

    /// <summary>Neurons ablated by the Det0 preset.</summary>
    public int TopK { get; init; }

    /// <summary>Unix ms after which the entry no longer applies (0: never).</summary>
    public long ExpiresAtUnixMs { get; init; }

    public string UpdatedBy { get; init; } = "";

    public long UpdatedAtUnixMs { get; init; }

    public string Reason { get; init; } = "";

    [JsonIgnore]
    public string Key => PolicyKeys.Key(Set, Tenant);

    /// <summary>True when <paramref name="other"/> would change nothing: same mode, gains and reason, and neither expires.</summary>
    public bool SameSetting(PolicyEntry other) =>
        Key == other.Key && Mode == other.Mode && Strength == other.Strength && Preset == other.Preset && TopK == other.TopK
        && ExpiresAtUnixMs == 0 && other.ExpiresAtUnixMs == 0 && Reason == other.Reason;

    public bool IsExpired(long nowUnixMs) => ExpiresAtUnixMs > 0 && nowUnixMs >= ExpiresAtUnixMs;

    public Mitigation ToProto() => new()
    {
        Set = Set,
        Tenant = Tenant,
        Mode = Mode,
        Strength = Strength,
        Preset = Preset,
        TopK = (uint)TopK,
        ExpiresAtUnixMs = ExpiresAtUnixMs,
        UpdatedBy = UpdatedBy,
        UpdatedAtUnixMs = UpdatedAtUnixMs,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Null when the stored JSON is not an entry this build understands (it is then ignored and logged).</summary>
    public static PolicyEntry? TryParse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<PolicyEntry>(json, Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };
}

/// <summary>Policy keys: <c>{set}/global</c> or <c>{set}/tenant:{tenant}</c>.</summary>
public static class PolicyKeys
{
    public static string Key(string set, string tenant) => tenant.Length == 0 ? set + "/global" : set + "/tenant:" + tenant;

    public static string Scope(string tenant) => tenant.Length == 0 ? "global" : "tenant:" + tenant;
}
