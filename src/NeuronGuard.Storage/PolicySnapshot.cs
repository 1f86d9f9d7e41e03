namespace NeuronGuard.Storage;

/// <summary>
/// The mitigation policy at one version. Entries are opaque JSON strings keyed by a string (the daemon uses
/// <c>set/scope</c>); version 0 is the empty policy nobody has written yet.
/// </summary>
public sealed record PolicySnapshot(long Version, IReadOnlyDictionary<string, string> Entries)
{
    public static PolicySnapshot Empty { get; } = new(0, new Dictionary<string, string>(StringComparer.Ordinal));
}
