using Grpc.Core;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Storage;

namespace NeuronGuard.Daemon.Records;

/// <summary>
/// Keeps a model's active catalog and baseline a pair that can score: an activation that would leave new streams with
/// 0 slots is refused with FAILED_PRECONDITION and what to do, or completed by activating the other half. The store
/// switches one pointer at a time, so a pair is activated baseline first, then catalog: between the two writes the
/// daemon's plan is briefly unusable, connected streams keep their old slots, and the catalog write brings the Welcome.
/// </summary>
internal sealed class ActivationPairs(IStore store)
{
    /// <summary>
    /// Before activating catalog <paramref name="version"/>: the baseline to activate with it (null: none needed, the
    /// active one fits or the model has never had one). Throws FAILED_PRECONDITION when the model is monitored today and
    /// no baseline was calibrated for the new catalog.
    /// </summary>
    public async Task<string?> BaselineForCatalogAsync(string fingerprint, string version, ActivePointers active, CancellationToken ct)
    {
        if (active.BaselineVersion is { } current && await CatalogOfAsync(fingerprint, current, ct).ConfigureAwait(false) == version)
        {
            return null;
        }
        var records = await StoreStatus.Guard(() => store.ListRecordsAsync(RecordKind.Baseline, fingerprint, ct)).ConfigureAwait(false);
        foreach (var info in records.Reverse()) // newest first
        {
            if (await CatalogOfAsync(fingerprint, info.Version, ct).ConfigureAwait(false) == version)
            {
                return info.Version;
            }
        }
        if (active.BaselineVersion is null)
        {
            return null; // first onboarding: nothing is monitored yet, so nothing is lost; calibrate next
        }
        throw RpcErrors.Create(StatusCode.FailedPrecondition,
            $"catalog '{version}' of model '{fingerprint}' has no calibrated baseline, and activating it alone would leave new streams with 0 slots: " +
            $"calibrate one for it first (`neuronguard calibrate` then `ctl baseline put`, or Baselines.Calibrate with catalog_version '{version}' and activate=true, " +
            "which activates the pair), then activate the catalog again: its newest baseline is activated with it.");
    }

    /// <summary>Refuses a baseline calibrated for another catalog than the active one (new streams would get 0 slots).</summary>
    public async Task RequireBaselineFitsAsync(string fingerprint, string version, ActivePointers active, CancellationToken ct)
    {
        if (active.CatalogVersion is not { } catalog)
        {
            return;
        }
        string? forCatalog = await CatalogOfAsync(fingerprint, version, ct).ConfigureAwait(false);
        if (forCatalog is not null && forCatalog != catalog)
        {
            throw RpcErrors.Create(StatusCode.FailedPrecondition,
                $"baseline '{version}' of model '{fingerprint}' was calibrated for catalog '{forCatalog}' but the active catalog is '{catalog}': " +
                $"activating it would leave new streams with 0 slots. Activate catalog '{forCatalog}' instead (its newest baseline comes with it), " +
                $"or activate a baseline calibrated for '{catalog}'.");
        }
    }

    /// <summary>The catalog version a stored baseline was calibrated for; null when it is missing or unreadable (activation reports that).</summary>
    private async Task<string?> CatalogOfAsync(string fingerprint, string version, CancellationToken ct)
    {
        var record = await StoreStatus.Guard(() => store.GetRecordAsync(RecordKind.Baseline, fingerprint, version, ct)).ConfigureAwait(false);
        if (record is null || !BaselineFormat.Reads(record.Info.FormatVersion))
        {
            return null;
        }
        try
        {
            return BaselineFormat.Read(record.Payload.Span).CatalogVersion;
        }
        catch (BaselineFormatException)
        {
            return null;
        }
    }
}
