namespace NeuronGuard.Storage;

/// <summary>
/// Everything the daemon keeps outside its process. Two implementations pass the same contract tests:
/// the embedded store (one data directory, the default) and Redis (shared by a fleet of sidecars).
/// </summary>
public interface IStore : IRecordStore, IPolicyStore, IAuditLog, IStoreChangeFeed, IAsyncDisposable
{
    /// <summary>"redis at 127.0.0.1:6379 (db 0, prefix 'ng')" or "embedded store at /var/lib/neuronguard", for messages.</summary>
    string Description { get; }

    /// <summary>A one-line warning found while opening (e.g. an embedded store that lost its state.json), or null.</summary>
    string? OpenWarning => null;

    /// <summary>Whether the backing store is reachable right now (always true for the embedded store).</summary>
    bool IsAvailable { get; }

    /// <summary>Raised with the new value when <see cref="IsAvailable"/> changes.</summary>
    event Action<bool>? AvailabilityChanged;
}
