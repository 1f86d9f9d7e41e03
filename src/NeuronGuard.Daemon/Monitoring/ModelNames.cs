using NeuronGuard.Engine.Baselines;
using NeuronGuard.Storage.Sync;
using Catalog = NeuronGuard.Engine.Catalogs.Catalog;

namespace NeuronGuard.Daemon.Monitoring;

/// <summary>A model's human name: the model_name of its active catalog, "" when it has none (or no catalog).</summary>
internal static class ModelNames
{
    public static string Of(StoreSync<Catalog, Baseline> sync, string fingerprint) =>
        (sync.GetModel(fingerprint) ?? sync.GetModel(fingerprint.ToLowerInvariant()))?.Catalog?.Value.Model.Name ?? "";
}
