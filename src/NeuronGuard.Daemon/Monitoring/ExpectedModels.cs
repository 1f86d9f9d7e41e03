using NeuronGuard.Engine.Baselines;
using NeuronGuard.Storage;
using NeuronGuard.Storage.Sync;
using Catalog = NeuronGuard.Engine.Catalogs.Catalog;

namespace NeuronGuard.Daemon.Monitoring;

/// <summary>
/// Which models the operator expects: those with an active catalog in the store (loaded, or failed to load: a
/// corrupt catalog is still expected, and unmonitored). A Hello for any other model is answered NOT_FOUND and counted
/// (<c>neuronguard_stream_errors_total{reason="unknown_model"}</c>), but it does not count towards
/// <c>neuronguard_unmonitored_model_servers</c> or fail /readyz. The stream stays open: once a catalog is activated for
/// the model, it is expected and its Welcome follows, as onboarding needs.
/// </summary>
public static class ExpectedModels
{
    public static bool IsExpected(StoreSync<Catalog, Baseline> sync, string fingerprint) =>
        sync.GetModel(fingerprint)?.Catalog is not null
        || sync.GetModel(fingerprint.ToLowerInvariant())?.Catalog is not null
        || sync.LoadFailures.Any(f => f.Kind == RecordKind.Catalog && string.Equals(f.Fingerprint, fingerprint, StringComparison.OrdinalIgnoreCase));

    public static string UnknownMessage(string fingerprint) =>
        $"model {fingerprint} is not known to this daemon: no catalog is active for it. This stream is not monitored and does not count " +
        $"as unmonitored; put and activate a catalog and baseline for it (neuronguard ctl catalog put FILE, then activate both) and a Welcome with slots follows.";
}
