namespace NeuronGuard.Storage.Sync;

/// <summary>How well the cache can serve; the daemon maps it to gRPC Health and a metric.</summary>
public enum StoreHealthState
{
    /// <summary>In sync with the store.</summary>
    Serving,

    /// <summary>The store was unreachable at start; serving the last local snapshot until it returns.</summary>
    ServingFromSnapshot,

    /// <summary>Serving from the cache, but something needs attention (store down since, or a record failed to load).</summary>
    Degraded,

    /// <summary>Nothing to serve: the store was unreachable at start and there is no snapshot.</summary>
    NotServing,
}

/// <summary>The state with a sentence an operator can act on.</summary>
/// <param name="DataLoss">
/// Set while the store has lost data this cache still holds (its policy version went backwards, or an active catalog
/// or baseline vanished): scoring goes on from the cache, but the daemon is not ready until an operator resolves it.
/// </param>
public sealed record StoreHealth(StoreHealthState State, string Reason, string? DataLoss = null)
{
    /// <summary>Whether requests can be scored (everything but <see cref="StoreHealthState.NotServing"/>).</summary>
    public bool CanServe => State != StoreHealthState.NotServing;

    /// <summary>Whether <c>/readyz</c> may answer 200 for the store: it can serve and has lost nothing.</summary>
    public bool Ready => CanServe && DataLoss is null;

    public override string ToString() => $"{State}: {Reason}";
}
