namespace NeuronGuard.Storage;

/// <summary>The capped log of attributed writes; stores append to it inside the write they record.</summary>
public interface IAuditLog
{
    /// <summary>Newest first; <paramref name="skip"/> and <paramref name="take"/> page through it.</summary>
    Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(int skip, int take, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends an entry that records no store write of its own (a denied call, say). Capped like the rest; callers
    /// rate-limit, since each append is a durable write.
    /// </summary>
    /// <exception cref="StoreUnavailableException">The store cannot be reached.</exception>
    Task AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken = default);
}
