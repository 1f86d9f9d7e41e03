namespace NeuronGuard.Storage;

/// <summary>Versioned, immutable catalog and baseline records per model fingerprint, with an active pointer each.</summary>
public interface IRecordStore
{
    /// <summary>Writes a new record version; an existing version is left untouched (records are immutable).</summary>
    Task<PutOutcome> PutRecordAsync(RecordKind kind, string fingerprint, string version, int formatVersion,
        ReadOnlyMemory<byte> payload, string actor, CancellationToken cancellationToken = default);

    /// <summary>Reads and checksum-verifies a record; null when that version does not exist.</summary>
    /// <exception cref="StoreDataException">The stored bytes are corrupt or of an unknown envelope version.</exception>
    Task<StoredRecord?> GetRecordAsync(RecordKind kind, string fingerprint, string version, CancellationToken cancellationToken = default);

    /// <summary>Metadata of every version of one kind for a model, oldest first (payloads are not read).</summary>
    Task<IReadOnlyList<RecordInfo>> ListRecordsAsync(RecordKind kind, string fingerprint, CancellationToken cancellationToken = default);

    /// <summary>Fingerprints of every model that has at least one record.</summary>
    Task<IReadOnlyList<string>> ListModelsAsync(CancellationToken cancellationToken = default);

    /// <summary>Switches the model's active pointer atomically, audits it and notifies subscribers.</summary>
    /// <exception cref="RecordNotFoundException">The version was never put.</exception>
    Task ActivateAsync(RecordKind kind, string fingerprint, string version, string actor, CancellationToken cancellationToken = default);

    Task<ActivePointers> GetActiveAsync(string fingerprint, CancellationToken cancellationToken = default);
}
