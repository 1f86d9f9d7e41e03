using System.Collections.Concurrent;
using System.Globalization;

namespace NeuronGuard.Storage.Sync;

/// <summary>One sync pass: probe versions, reload what differs, persist the snapshot; and the start from a snapshot.</summary>
public sealed partial class StoreSync<TCatalog, TBaseline>
{
    private readonly ConcurrentDictionary<(string Fingerprint, RecordKind Kind), RecordLoadFailure> _failures = new();
    private bool _snapshotSaved;

    /// <summary>The load failures currently in effect (cleared when a later version loads).</summary>
    public IReadOnlyCollection<RecordLoadFailure> LoadFailures => _failures.Values.ToList();

    /// <summary>
    /// Compares versions with the store and reloads whatever changed; false when the store could not be reached
    /// (health says why). Safe to call at any time: passes never overlap.
    /// </summary>
    public async Task<bool> SyncNowAsync(CancellationToken cancellationToken = default)
    {
        var changes = new List<StoreChange>();
        await _passGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await PassAsync(changes, cancellationToken).ConfigureAwait(false);
            MarkSynced();
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            MarkDown(e is StoreException ? e.Message : $"sync with {_store.Description} failed: {e.GetType().Name}: {e.Message}");
            return false;
        }
        finally
        {
            _passGate.Release();
            UpdateHealth();
            Raise(changes);
            SignalVersionWaiters();
        }
    }

    private async Task PassAsync(List<StoreChange> changes, CancellationToken cancellationToken)
    {
        var stamp = await _store.ProbeAsync(cancellationToken).ConfigureAwait(false);
        if (stamp.PolicyVersion != Policy.Version)
        {
            var policy = await _store.GetPolicyAsync(cancellationToken).ConfigureAwait(false);
            AdoptPolicy(policy, changes);
        }
        foreach (var pointers in stamp.Active.Values)
        {
            await LoadIfChangedAsync(RecordKind.Catalog, pointers, changes, cancellationToken).ConfigureAwait(false);
            await LoadIfChangedAsync(RecordKind.Baseline, pointers, changes, cancellationToken).ConfigureAwait(false);
        }
        CheckPointers(stamp);
        if (changes.Count > 0 || !_snapshotSaved)
        {
            SaveSnapshotIndex();
        }
    }

    /// <summary>
    /// A version lower than the cached one means the store lost data (e.g. Redis restarted without persistence):
    /// keep the cached policy rather than silently switching mitigation off, and mark the store as having lost data
    /// until its version passes the cached one again (an operator's resolve, see StoreSync.DataLoss.cs). An equal
    /// version is not a regression: it is this cache's own version.
    /// </summary>
    private void AdoptPolicy(PolicySnapshot policy, List<StoreChange> changes)
    {
        var cached = Policy;
        if (policy.Version < cached.Version && (_everSynced || _fromSnapshot is not null))
        {
            SetPolicyLoss(policy.Version, cached.Version);
            return;
        }
        if (policy.Version > cached.Version)
        {
            SetPolicyLoss(null, 0);
        }
        if (policy.Version != cached.Version)
        {
            Volatile.Write(ref _policy, policy);
            changes.Add(new StoreChange(StoreChangeKind.PolicyChanged, null, policy.Version.ToString(CultureInfo.InvariantCulture)));
        }
    }

    private async Task LoadIfChangedAsync(RecordKind kind, ActivePointers pointers, List<StoreChange> changes, CancellationToken cancellationToken)
    {
        var wanted = pointers.Get(kind);
        var fingerprint = pointers.Fingerprint;
        var held = GetModel(fingerprint)?.Version(kind);
        if (wanted is null || wanted == held)
        {
            _failures.TryRemove((fingerprint, kind), out _);
            return;
        }
        if (_failures.TryGetValue((fingerprint, kind), out var failed) && failed.Version == wanted)
        {
            return; // Records are immutable: a version that failed once fails again; wait for the next activation.
        }
        StoredRecord record;
        try
        {
            record = await _store.GetRecordAsync(kind, fingerprint, wanted, cancellationToken).ConfigureAwait(false)
                ?? throw new RecordNotFoundException($"the active pointer names it but {_store.Description} has no such record");
            Apply(record);
        }
        catch (Exception e) when (e is not (StoreUnavailableException or OperationCanceledException))
        {
            Fail(new RecordLoadFailure(kind, fingerprint, wanted, held, e is StoreException ? e.Message : $"the decoder rejected it: {e.Message}"));
            return;
        }
        _failures.TryRemove((fingerprint, kind), out _);
        TrySnapshot(() => _snapshot?.SaveRecord(record));
        changes.Add(StoreChange.Activated(kind, fingerprint, wanted));
    }

    /// <summary>Decodes with the caller's decoder and swaps the model in; throws (leaving the cache as it was) when decoding fails.</summary>
    private void Apply(StoredRecord record)
    {
        var info = record.Info;
        var model = GetModel(info.Fingerprint) ?? new CachedModel<TCatalog, TBaseline>(info.Fingerprint, null, null);
        model = info.Kind == RecordKind.Catalog
            ? model with { Catalog = new LoadedRecord<TCatalog>(info, _decodeCatalog(info, record.Payload)) }
            : model with { Baseline = new LoadedRecord<TBaseline>(info, _decodeBaseline(info, record.Payload)) };
        _models[info.Fingerprint] = model;
    }

    private void Fail(RecordLoadFailure failure)
    {
        _failures[(failure.Fingerprint, failure.Kind)] = failure;
        LoadFailed?.Invoke(failure);
    }

    private void SaveSnapshotIndex()
    {
        var pointers = _models.Values.Select(m => new ActivePointers(m.Fingerprint, m.Version(RecordKind.Catalog), m.Version(RecordKind.Baseline)));
        if (TrySnapshot(() => _snapshot?.SaveIndex(Policy, pointers, _time.GetUtcNow(), _store.Description)))
        {
            _snapshotSaved = true;
        }
    }

    /// <summary>Starts from the local snapshot after the store could not be reached at start.</summary>
    private void LoadSnapshot()
    {
        var changes = new List<StoreChange>();
        try
        {
            if (_snapshot?.LoadIndex() is not { } index)
            {
                return;
            }
            Volatile.Write(ref _policy, index.Policy);
            changes.Add(new StoreChange(StoreChangeKind.PolicyChanged, null, index.Policy.Version.ToString(CultureInfo.InvariantCulture)));
            foreach (var pointers in index.Active)
            {
                foreach (var kind in (ReadOnlySpan<RecordKind>)[RecordKind.Catalog, RecordKind.Baseline])
                {
                    if (pointers.Get(kind) is { } version)
                    {
                        LoadSnapshotRecord(kind, pointers.Fingerprint, version, changes);
                    }
                }
            }
            MarkFromSnapshot(index.TakenAt, index.Source);
        }
        catch (StoreDataException e)
        {
            SetSnapshotError(e.Message);
        }
        finally
        {
            UpdateHealth();
            Raise(changes);
            SignalVersionWaiters();
        }
    }

    private void LoadSnapshotRecord(RecordKind kind, string fingerprint, string version, List<StoreChange> changes)
    {
        try
        {
            Apply(_snapshot!.LoadRecord(kind, fingerprint, version)
                ?? throw new RecordNotFoundException($"snapshot {_snapshot.Directory} names it but its file is missing"));
            changes.Add(StoreChange.Activated(kind, fingerprint, version));
        }
        catch (Exception e)
        {
            Fail(new RecordLoadFailure(kind, fingerprint, version, null, e is StoreException ? e.Message : $"the decoder rejected it: {e.Message}"));
        }
    }

    private bool TrySnapshot(Action write)
    {
        try
        {
            write();
            SetSnapshotError(null);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            SetSnapshotError($"cannot write the local snapshot in {_snapshot?.Directory} ({e.Message}); a restart while the store is down would not serve");
            return false;
        }
    }

    /// <summary>
    /// Tells each subscriber separately: one that throws must not stop the others or kill the sync loop (a replica
    /// would stop seeing changes). The failure is reported through <see cref="SubscriberFailed"/>.
    /// </summary>
    private void Raise(List<StoreChange> changes)
    {
        var handlers = Changed;
        if (handlers is null)
        {
            return;
        }
        foreach (var change in changes)
        {
            foreach (Action<StoreChange> handler in handlers.GetInvocationList())
            {
                try
                {
                    handler(change);
                }
                catch (Exception e)
                {
                    SubscriberFailed?.Invoke(change, e);
                }
            }
        }
    }
}
