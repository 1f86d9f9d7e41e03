namespace NeuronGuard.Storage.Internal;

/// <summary>Argument checks shared by both stores' policy writes, so both reject the same inputs the same way.</summary>
internal static class PolicyChanges
{
    public static void Validate(IReadOnlyList<PolicyChange> changes, string actor)
    {
        ArgumentNullException.ThrowIfNull(changes);
        StoreNames.ValidateActor(actor);
        if (changes.Count == 0)
        {
            throw new ArgumentException("a policy write needs at least one change", nameof(changes));
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            StoreNames.ValidatePolicyKey(change.Key);
            if (!seen.Add(change.Key))
            {
                throw new ArgumentException($"policy key '{change.Key}' appears twice in one write; send one change per key", nameof(changes));
            }
        }
    }

    /// <summary>Checks a restore (see <see cref="IPolicyStore.RestorePolicyAsync"/>).</summary>
    public static void ValidateRestore(long expectedVersion, IReadOnlyDictionary<string, string> entries, long newVersion, string actor)
    {
        ArgumentNullException.ThrowIfNull(entries);
        StoreNames.ValidateActor(actor);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedVersion);
        if (newVersion <= expectedVersion)
        {
            throw new ArgumentOutOfRangeException(nameof(newVersion), newVersion, $"a restore must raise the policy version above {expectedVersion}");
        }
        foreach (var key in entries.Keys)
        {
            StoreNames.ValidatePolicyKey(key);
        }
    }

    /// <summary>The audit detail of a restore: how many entries, and the version it replaced.</summary>
    public static string DescribeRestore(IReadOnlyDictionary<string, string> entries, long expectedVersion) =>
        $"policy replaced by {entries.Count} entr{(entries.Count == 1 ? "y" : "ies")} (store was at version {expectedVersion})";
}
