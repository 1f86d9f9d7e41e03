namespace NeuronGuard.Storage;

/// <summary>The capped log of attributed writes; stores append to it inside the write they record.</summary>
public interface IAuditLog
{
    /// <summary>Newest first; <paramref name="skip"/> and <paramref name="take"/> page through it.</summary>
    Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(int skip, int take, CancellationToken cancellationToken = default);
}
