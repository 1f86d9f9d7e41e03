namespace NeuronGuard.Storage;

/// <summary>What changed, as published on <c>{prefix}:events</c> and raised by <see cref="Sync.StoreSync{TCatalog,TBaseline}"/>.</summary>
public enum StoreChangeKind
{
    PolicyChanged,
    CatalogActivated,
    BaselineActivated,
}

/// <summary>
/// A change notification. It only says what to reload: subscribers re-read the store, so a lost or
/// reordered notification costs latency, never correctness (the periodic version check catches it).
/// </summary>
/// <param name="Fingerprint">The model, or null for a policy change.</param>
/// <param name="Version">The new policy version or the activated record version.</param>
public sealed record StoreChange(StoreChangeKind Kind, string? Fingerprint, string Version)
{
    public static StoreChange Activated(RecordKind kind, string fingerprint, string version) =>
        new(kind == RecordKind.Catalog ? StoreChangeKind.CatalogActivated : StoreChangeKind.BaselineActivated, fingerprint, version);

    /// <summary>Wire form on the events channel: "policy 17", "baseline {fingerprint} {version}".</summary>
    public string ToMessage() => Kind switch
    {
        StoreChangeKind.PolicyChanged => $"policy {Version}",
        StoreChangeKind.CatalogActivated => $"catalog {Fingerprint} {Version}",
        _ => $"baseline {Fingerprint} {Version}",
    };

    /// <summary>Parses <see cref="ToMessage"/>; null for anything else (a newer writer's message is ignored, not fatal).</summary>
    public static StoreChange? TryParse(string? message)
    {
        var parts = message?.Split(' ');
        return parts switch
        {
            ["policy", var v] => new StoreChange(StoreChangeKind.PolicyChanged, null, v),
            ["catalog", var fp, var v] => new StoreChange(StoreChangeKind.CatalogActivated, fp, v),
            ["baseline", var fp, var v] => new StoreChange(StoreChangeKind.BaselineActivated, fp, v),
            _ => null,
        };
    }
}
