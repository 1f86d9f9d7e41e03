using System.Globalization;

namespace NeuronGuard.Storage.Sync;

/// <summary>
/// A store that lost data this cache still holds: detected on every sync pass, kept until an operator resolves it
/// (<see cref="ResolveDataLossAsync"/>), because a daemon that silently adopted an emptied Redis would switch
/// mitigation off, and one that silently kept its cache would diverge from every replica started later.
/// </summary>
public sealed partial class StoreSync<TCatalog, TBaseline>
{
    private (long Store, long Cached)? _policyLoss;
    private string? _pointerLoss;
    private long _dataLossEvents;
    private static readonly RecordKind[] BothKinds = [RecordKind.Catalog, RecordKind.Baseline];

    /// <summary>How many times data loss was detected since start (a metric counts it).</summary>
    public long DataLossEvents => Interlocked.Read(ref _dataLossEvents);

    private void SetPolicyLoss(long? storeVersion, long cachedVersion)
    {
        lock (_healthGate)
        {
            var before = AnyLoss;
            _policyLoss = storeVersion is { } s ? (s, _policyLoss?.Cached ?? cachedVersion) : null;
            CountIfNew(before);
        }
    }

    private bool AnyLoss => _policyLoss is not null || _pointerLoss is not null;

    /// <summary>One detection per loss, however many parts it has (under the health lock).</summary>
    private void CountIfNew(bool before)
    {
        if (!before && AnyLoss)
        {
            Interlocked.Increment(ref _dataLossEvents);
        }
    }

    /// <summary>An active catalog or baseline this cache holds whose pointer is gone from the store.</summary>
    private void CheckPointers(StoreVersionStamp stamp)
    {
        var missing = new List<string>();
        foreach (var model in _models.Values)
        {
            foreach (var kind in (ReadOnlySpan<RecordKind>)[RecordKind.Catalog, RecordKind.Baseline])
            {
                if (model.Version(kind) is { } held && stamp.Active.GetValueOrDefault(model.Fingerprint)?.Get(kind) is null)
                {
                    missing.Add($"{kind.Name()} '{held}' of model '{model.Fingerprint}'");
                }
            }
        }
        var reason = missing.Count == 0 ? null : string.Join(", ", missing.Order(StringComparer.Ordinal));
        lock (_healthGate)
        {
            var before = AnyLoss;
            _pointerLoss = reason;
            CountIfNew(before);
        }
    }

    /// <summary>The data-loss sentence, or null; called under the health lock.</summary>
    private string? DataLossReason()
    {
        if (_policyLoss is null && _pointerLoss is null)
        {
            return null;
        }
        var what = new List<string>(2);
        if (_policyLoss is { } p)
        {
            what.Add($"its policy is at version {p.Store}, older than the cached version {p.Cached}");
        }
        if (_pointerLoss is { } gone)
        {
            what.Add($"the active {gone} no longer exist{(gone.Contains(',', StringComparison.Ordinal) ? "" : "s")} there");
        }
        return $"{_store.Description} lost data ({string.Join("; ", what)}; restarted without persistence?). This daemon keeps " +
            "scoring with its cache and is not ready until an operator resolves it: `neuronguard ctl store resolve --write-back` " +
            "writes this daemon's cache back, `--adopt` takes the store's data. Enable persistence (Redis: appendonly yes)";
    }

    /// <summary>
    /// Resolves a data loss. <paramref name="writeBack"/>: the cached policy replaces the store's, and lost catalogs and
    /// baselines are put back from the local snapshot where it has them. Otherwise the store's data is adopted: its
    /// policy, and no catalog or baseline where it has none. Either way the policy is written at a version above both
    /// (so every replica, whatever it cached, takes it) and this cache re-syncs. Throws InvalidOperationException when
    /// there is nothing to resolve; returns Applied false when the store's policy changed meanwhile (run it again).
    /// </summary>
    public async Task<DataLossResolution> ResolveDataLossAsync(bool writeBack, string actor, CancellationToken cancellationToken = default)
    {
        if (Health.DataLoss is null)
        {
            throw new InvalidOperationException($"{_store.Description} shows no data loss: there is nothing to resolve");
        }
        var restored = new List<string>();
        var notRestored = new List<string>();
        PolicyWriteResult result;
        await _passGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stored = await _store.GetPolicyAsync(cancellationToken).ConfigureAwait(false);
            var cached = Policy;
            result = await _store.RestorePolicyAsync(stored.Version, writeBack ? cached.Entries : stored.Entries,
                Math.Max(stored.Version, cached.Version) + 1, actor, cancellationToken).ConfigureAwait(false);
            if (result.Applied)
            {
                var stamp = await _store.ProbeAsync(cancellationToken).ConfigureAwait(false);
                await ResolvePointersAsync(stamp, writeBack, actor, restored, notRestored, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _passGate.Release();
        }
        await SyncNowAsync(cancellationToken).ConfigureAwait(false);
        return new DataLossResolution(result.Applied, result.Version, restored, notRestored);
    }

    private async Task ResolvePointersAsync(StoreVersionStamp stamp, bool writeBack, string actor, List<string> restored, List<string> notRestored,
        CancellationToken cancellationToken)
    {
        foreach (var model in _models.Values.ToList())
        {
            foreach (var kind in BothKinds)
            {
                if (model.Version(kind) is not { } held || stamp.Active.GetValueOrDefault(model.Fingerprint)?.Get(kind) is not null)
                {
                    continue;
                }
                var name = $"{kind.Name()} '{held}' of model '{model.Fingerprint}'";
                if (!writeBack)
                {
                    Forget(model.Fingerprint, kind);
                    restored.Add($"{name} dropped from the cache");
                }
                else if (await RestoreRecordAsync(kind, model.Fingerprint, held, actor, cancellationToken).ConfigureAwait(false))
                {
                    restored.Add($"{name} put back and activated");
                }
                else
                {
                    notRestored.Add($"{name} (no local copy: put and activate it again, or resolve with --adopt)");
                }
            }
        }
    }

    private async Task<bool> RestoreRecordAsync(RecordKind kind, string fingerprint, string version, string actor, CancellationToken cancellationToken)
    {
        if (_snapshot?.LoadRecord(kind, fingerprint, version) is not { } record)
        {
            return false;
        }
        var i = record.Info;
        await _store.PutRecordAsync(kind, fingerprint, version, i.FormatVersion, record.Payload, actor, cancellationToken).ConfigureAwait(false);
        await _store.ActivateAsync(kind, fingerprint, version, actor, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private void Forget(string fingerprint, RecordKind kind)
    {
        if (GetModel(fingerprint) is not { } model)
        {
            return;
        }
        model = kind == RecordKind.Catalog ? model with { Catalog = null } : model with { Baseline = null };
        if (model.Catalog is null && model.Baseline is null)
        {
            _models.TryRemove(fingerprint, out _);
        }
        else
        {
            _models[fingerprint] = model;
        }
    }
}

/// <summary>What <c>ResolveDataLossAsync</c> did: the policy version written, and each catalog or baseline handled.</summary>
public sealed record DataLossResolution(bool Applied, long PolicyVersion, IReadOnlyList<string> Restored, IReadOnlyList<string> NotRestored)
{
    public override string ToString() => Applied
        ? $"policy written at version {PolicyVersion.ToString(CultureInfo.InvariantCulture)}" +
          (Restored.Count > 0 ? $"; {string.Join("; ", Restored)}" : "") + (NotRestored.Count > 0 ? $"; NOT restored: {string.Join("; ", NotRestored)}" : "")
        : $"the store's policy changed meanwhile (now version {PolicyVersion.ToString(CultureInfo.InvariantCulture)}): nothing written; run it again";
}
