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
}
