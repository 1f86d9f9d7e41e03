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
}
