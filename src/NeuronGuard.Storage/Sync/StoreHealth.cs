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
public sealed record StoreHealth(StoreHealthState State, string Reason)
{
    /// <summary>Whether requests can be scored (everything but <see cref="StoreHealthState.NotServing"/>).</summary>
    public bool CanServe => State != StoreHealthState.NotServing;

    public override string ToString() => $"{State}: {Reason}";
}
