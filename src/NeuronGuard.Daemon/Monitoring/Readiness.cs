using NeuronGuard.Storage.Sync;

namespace NeuronGuard.Daemon.Monitoring;

/// <summary>
/// The answer of <c>/readyz</c>: not ready while the store cannot serve, or while a connected model server is not
/// monitored (its model has no usable catalog and baseline). Monitoring that is silently off is the failure a safety
/// sidecar must not hide, so it fails readiness the same way a dead store does; gRPC Health stays SERVING, because
/// model servers must still be able to connect and receive the Welcome that fixes it.
/// </summary>
public static class Readiness
{
    /// <summary>Null when ready, else the reason (one line).</summary>
    public static string? Reason(StoreHealth store, SessionRegistry sessions)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(sessions);
        if (!store.CanServe)
        {
            return $"store {store.State}: {store.Reason}";
        }
        if (store.DataLoss is { } lost) return $"store lost data: {lost}";
        return sessions.UnmonitoredReason();
    }
}
