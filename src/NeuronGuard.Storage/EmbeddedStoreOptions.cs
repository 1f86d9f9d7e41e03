namespace NeuronGuard.Storage;

/// <summary>Settings of the embedded (single-process, on-disk) store.</summary>
public sealed class EmbeddedStoreOptions
{
    /// <summary>
    /// Directory of the store; null uses <c>{StoreOptions.DataDirectory}/store</c>. One process at a time:
    /// a second one fails with a message naming the lock file.
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>Newest audit entries kept. Defaults to 1,000 (state.json holds them; each checkpoint rewrites ~200 KB).</summary>
    public int AuditCap { get; set; } = 1_000;

    /// <summary>
    /// Writes appended to journal.log before a background checkpoint folds them into state.json. Defaults to 1,000:
    /// a write then costs one fsynced append whatever the policy's size (bench/results/storage.md), and a restart
    /// replays at most about this many frames.
    /// </summary>
    public int CheckpointAfterWrites { get; set; } = 1_000;

    /// <summary>
    /// fsync files and directories before acknowledging a write. Defaults to true: a kill -9 or power loss then
    /// loses nothing acknowledged. Tests of other components may turn it off for speed.
    /// </summary>
    public bool Durable { get; set; } = true;
}
