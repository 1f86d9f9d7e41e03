namespace NeuronGuard.Storage;

/// <summary>Change notifications and the version probe that backs them up.</summary>
public interface IStoreChangeFeed
{
    /// <summary>
    /// Delivers every change published after the subscription is in place. Delivery is best effort (Redis
    /// pub/sub drops messages while disconnected), which is why <see cref="ProbeAsync"/> exists.
    /// </summary>
    Task<IAsyncDisposable> SubscribeAsync(Action<StoreChange> handler, CancellationToken cancellationToken = default);

    /// <summary>Policy version and all active pointers in one round trip.</summary>
    Task<StoreVersionStamp> ProbeAsync(CancellationToken cancellationToken = default);
}
