namespace NeuronGuard.Storage.Sync;

/// <summary>The health rules: one place that turns what the cache knows into a state and a sentence.</summary>
public sealed partial class StoreSync<TCatalog, TBaseline>
{
    private readonly Lock _healthGate = new();
    private StoreHealth _health;
    private (string Reason, DateTimeOffset Since)? _down;
    private bool _everSynced;
    private (DateTimeOffset TakenAt, string Source)? _fromSnapshot;
    private string? _snapshotError;

    /// <summary>Current health; <see cref="HealthChanged"/> reports each change.</summary>
    public StoreHealth Health => Volatile.Read(ref _health);

    public event Action<StoreHealth>? HealthChanged;

    /// <summary>Whether the last attempt to reach the store failed.</summary>
    private bool IsDown
    {
        get
        {
            lock (_healthGate)
            {
                return _down is not null;
            }
        }
    }

    private void MarkDown(string reason)
    {
        bool wasDown;
        lock (_healthGate)
        {
            wasDown = _down is not null;
            _down = (reason, _down?.Since ?? _time.GetUtcNow());
        }
        if (!wasDown)
        {
            RestartTicker();
        }
        UpdateHealth();
    }

    private void MarkSynced()
    {
        lock (_healthGate)
        {
            _down = null;
            _everSynced = true;
            _fromSnapshot = null;
        }
    }

    private void MarkFromSnapshot(DateTimeOffset takenAt, string source)
    {
        lock (_healthGate)
        {
            _fromSnapshot = (takenAt, source);
        }
    }

    private void SetSnapshotError(string? error)
    {
        lock (_healthGate)
        {
            _snapshotError = error;
        }
    }

    private void UpdateHealth()
    {
        StoreHealth next;
        lock (_healthGate)
        {
            next = ComputeHealth();
            if (next == _health)
            {
                return;
            }
            Volatile.Write(ref _health, next);
        }
        HealthChanged?.Invoke(next);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private StoreHealth ComputeHealth()
    {
        var cached = $"policy v{Policy.Version}, {_models.Count} model(s)";
        var lost = DataLossReason();
        if (_down is { } down)
        {
            if (_everSynced)
            {
                return new(StoreHealthState.Degraded,
                    $"{down.Reason}; since {down.Since:O}. Scoring continues from the cache ({cached}); policy writes fail until the store returns", lost);
            }
            if (_fromSnapshot is { } snap)
            {
                return new(StoreHealthState.ServingFromSnapshot,
                    $"{down.Reason}. Serving the local snapshot taken {snap.TakenAt:O} from {snap.Source} ({cached}) until the store returns", lost);
            }
            var where = _snapshot is null ? "no snapshot is kept for this store" : $"no usable local snapshot in {_snapshot.Directory}{(_snapshotError is null ? "" : $" ({_snapshotError})")}";
            return new(StoreHealthState.NotServing,
                $"{down.Reason}, and {where}. Start the store or fix the Store settings; the daemon retries every {Min(_options.OutageRetryInterval, _options.VersionCheckInterval).TotalSeconds:0.#} s");
        }
        if (!_everSynced)
        {
            return _health;
        }
        var problems = _failures.Values.Select(f => f.ToString()).Append(lost).Append(_snapshotError).OfType<string>().ToList();
        return problems.Count > 0
            ? new(StoreHealthState.Degraded, string.Join("; ", problems), lost)
            : new(StoreHealthState.Serving, $"in sync with {_store.Description} ({cached})");
    }
}
