namespace NeuronGuard.Storage;

/// <summary>Which store backs the daemon.</summary>
public enum StoreKind
{
    /// <summary>In-process, persisted under <see cref="StoreOptions.DataDirectory"/>; needs nothing else installed.</summary>
    Embedded,

    /// <summary>Shared Redis; every sidecar of a fleet sees the same records and policy.</summary>
    Redis,
}

/// <summary>The daemon's store settings (config section <c>Store</c>). Each setting is one property with its default.</summary>
public sealed class StoreOptions
{
    /// <summary>Embedded or Redis. Defaults to <see cref="StoreKind.Embedded"/> so a laptop needs nothing else.</summary>
    public StoreKind Kind { get; set; } = StoreKind.Embedded;

    /// <summary>
    /// Where the embedded store keeps its files and where the Redis cache keeps its local snapshot.
    /// Defaults to <c>~/.local/share/neuronguard</c> (the platform's local application data folder).
    /// </summary>
    public string DataDirectory { get; set; } =
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "neuronguard");

    /// <summary>Embedded-store settings (used when <see cref="Kind"/> is Embedded).</summary>
    public EmbeddedStoreOptions Embedded { get; set; } = new();

    /// <summary>Redis settings (used when <see cref="Kind"/> is Redis).</summary>
    public RedisStoreOptions Redis { get; set; } = new();

    /// <summary>Local cache settings, for either kind.</summary>
    public StoreSyncOptions Sync { get; set; } = new();

    /// <summary>The snapshot directory actually used: <see cref="StoreSyncOptions.SnapshotDirectory"/> or <c>{DataDirectory}/snapshot</c>.
    /// Null for the embedded store, which is its own snapshot.</summary>
    public string? EffectiveSnapshotDirectory =>
        Kind == StoreKind.Embedded ? null : Sync.SnapshotDirectory ?? Path.Combine(DataDirectory, "snapshot");
}
