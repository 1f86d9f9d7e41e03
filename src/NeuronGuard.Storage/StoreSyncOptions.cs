namespace NeuronGuard.Storage;

/// <summary>Settings of the daemon's local cache (<see cref="Sync.StoreSync{TCatalog,TBaseline}"/>).</summary>
public sealed class StoreSyncOptions
{
    /// <summary>
    /// How often the cache compares versions with the store, catching a missed notification. Defaults to 5 s;
    /// notifications normally deliver a change within milliseconds.
    /// </summary>
    public TimeSpan VersionCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often the cache retries while the store is unreachable (capped by <see cref="VersionCheckInterval"/>).
    /// Defaults to 1 s, so a returning Redis is picked up within about a second even if no event says so.
    /// </summary>
    public TimeSpan OutageRetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Where the cache keeps its local snapshot so a start with Redis down can serve; null means
    /// <c>{StoreOptions.DataDirectory}/snapshot</c> for Redis (see <see cref="StoreOptions.EffectiveSnapshotDirectory"/>).
    /// </summary>
    public string? SnapshotDirectory { get; set; }
}
