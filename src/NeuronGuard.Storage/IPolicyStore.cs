namespace NeuronGuard.Storage;

/// <summary>The mitigation policy: a versioned map updated only by compare-and-set.</summary>
public interface IPolicyStore
{
    /// <summary>The version and entries, read together (never a mix of two versions).</summary>
    Task<PolicySnapshot> GetPolicyAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies <paramref name="changes"/> atomically when the current version equals <paramref name="expectedVersion"/>
    /// (null: whatever it is), bumps the version, appends one audit entry and notifies subscribers.
    /// </summary>
    /// <exception cref="StoreUnavailableException">The store cannot be reached; the message says whether the change was applied.</exception>
    Task<PolicyWriteResult> TryUpdatePolicyAsync(long? expectedVersion, IReadOnlyList<PolicyChange> changes, string actor,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the whole policy with <paramref name="entries"/> at <paramref name="newVersion"/> when the current version
    /// equals <paramref name="expectedVersion"/>: how an operator resolves a store that lost data (its version went
    /// backwards), either writing a daemon's cached policy back or adopting the store's own at a version above every
    /// cache, so every replica takes it. <paramref name="newVersion"/> must be above <paramref name="expectedVersion"/>.
    /// </summary>
    Task<PolicyWriteResult> RestorePolicyAsync(long expectedVersion, IReadOnlyDictionary<string, string> entries, long newVersion, string actor,
        CancellationToken cancellationToken = default);
}
