using System.Collections.Concurrent;
using System.Threading.Channels;

namespace NeuronGuard.Storage.Sync;

/// <summary>
/// The daemon's local cache of the store. Scoring reads only this cache; the store is read at start, on every
/// notification and on the periodic version check. A record that fails to load or decode never replaces the
/// one in use. When the store is down the cache keeps serving, reports it in <see cref="Health"/>, and
/// resynchronises when the store returns. Health rules are in StoreSync.Health.cs, loading in StoreSync.Pass.cs.
/// </summary>
public sealed partial class StoreSync<TCatalog, TBaseline> : IAsyncDisposable
{
    private readonly IStore _store;
    private readonly RecordDecoder<TCatalog> _decodeCatalog;
    private readonly RecordDecoder<TBaseline> _decodeBaseline;
    private readonly StoreSyncOptions _options;
    private readonly TimeProvider _time;
    private readonly LocalSnapshot? _snapshot;
    private readonly ConcurrentDictionary<string, CachedModel<TCatalog, TBaseline>> _models = new(StringComparer.Ordinal);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly SemaphoreSlim _passGate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private PolicySnapshot _policy = PolicySnapshot.Empty;
    private IAsyncDisposable? _subscription;
    private Task _loop = Task.CompletedTask;
    private Task _ticker = Task.CompletedTask;
    private CancellationTokenSource? _tickerDelay;

    /// <param name="snapshotDirectory">Where to keep the local snapshot; null for none (the embedded store is its own).</param>
    /// <param name="time">Clock and timers; tests pass a manual one to drive the periodic check without sleeping.</param>
    public StoreSync(IStore store, RecordDecoder<TCatalog> decodeCatalog, RecordDecoder<TBaseline> decodeBaseline,
        StoreSyncOptions options, string? snapshotDirectory, TimeProvider? time = null)
    {
        if (options.VersionCheckInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.VersionCheckInterval, "Store:Sync:VersionCheckInterval must be positive, e.g. 00:00:05");
        }
        if (options.OutageRetryInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.OutageRetryInterval, "Store:Sync:OutageRetryInterval must be positive, e.g. 00:00:01");
        }
        _store = store;
        _decodeCatalog = decodeCatalog;
        _decodeBaseline = decodeBaseline;
        _options = options;
        _time = time ?? TimeProvider.System;
        _snapshot = snapshotDirectory is null ? null : new LocalSnapshot(snapshotDirectory);
        _health = new StoreHealth(StoreHealthState.NotServing, $"not started yet; call StartAsync to load from {store.Description}");
    }

    /// <summary>The cached policy (version 0 and no entries until the first load).</summary>
    public PolicySnapshot Policy => Volatile.Read(ref _policy);

    /// <summary>Fingerprints of the models with something cached.</summary>
    public IReadOnlyCollection<string> Models => _models.Keys.ToList();

    /// <summary>Raised after the cache changed: policy replaced, catalog or baseline activated.</summary>
    public event Action<StoreChange>? Changed;

    /// <summary>Raised when a <see cref="Changed"/> subscriber threw; the loop and the other subscribers went on.</summary>
    public event Action<StoreChange, Exception>? SubscriberFailed;

    /// <summary>Raised when an activated record could not be loaded or decoded (the previous one stays).</summary>
    public event Action<RecordLoadFailure>? LoadFailed;

    /// <summary>The cached model, or null when nothing was ever activated for it.</summary>
    public CachedModel<TCatalog, TBaseline>? GetModel(string fingerprint) => _models.GetValueOrDefault(fingerprint);

    /// <summary>
    /// Subscribes to notifications, loads everything from the store (or, when it is unreachable, from the local
    /// snapshot) and starts the background loop. Never throws because the store is down: see <see cref="Health"/>.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        _store.AvailabilityChanged += OnAvailabilityChanged;
        _subscription = await _store.SubscribeAsync(_ => Wake(), cancellationToken).ConfigureAwait(false);
        if (!await SyncNowAsync(cancellationToken).ConfigureAwait(false))
        {
            LoadSnapshot();
        }
        _loop = Task.Run(() => RunLoopAsync(_stop.Token), CancellationToken.None);
        _ticker = Task.Run(() => RunTickerAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Asks the background loop for a sync pass soon (notifications, reconnects and the timer all end here).</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    private void OnAvailabilityChanged(bool available)
    {
        if (available)
        {
            Wake();
        }
        else
        {
            MarkDown($"{_store.Description} reported the connection lost");
        }
    }

    private async Task RunLoopAsync(CancellationToken stop)
    {
        try
        {
            while (await _wake.Reader.WaitToReadAsync(stop).ConfigureAwait(false))
            {
                _wake.Reader.TryRead(out _);
                await SyncNowAsync(stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// The periodic version check; every <see cref="StoreSyncOptions.OutageRetryInterval"/> instead while the
    /// store is down, since an outage can end without any event. Going down cuts the current wait short.
    /// </summary>
    private async Task RunTickerAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var wait = IsDown && _options.OutageRetryInterval < _options.VersionCheckInterval ? _options.OutageRetryInterval : _options.VersionCheckInterval;
            using var delay = CancellationTokenSource.CreateLinkedTokenSource(stop);
            Volatile.Write(ref _tickerDelay, delay);
            try
            {
                await Task.Delay(wait, _time, delay.Token).ConfigureAwait(false);
                Wake();
            }
            catch (OperationCanceledException)
            {
                // Stopped, or cut short by RestartTicker: the loop condition tells which.
            }
        }
    }

    /// <summary>Makes the ticker re-evaluate its wait now (called when the store goes down).</summary>
    private void RestartTicker()
    {
        try
        {
            Volatile.Read(ref _tickerDelay)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // That wait already ended.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _store.AvailabilityChanged -= OnAvailabilityChanged;
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loop, _ticker).ConfigureAwait(false);
        if (_subscription is not null)
        {
            await _subscription.DisposeAsync().ConfigureAwait(false);
        }
        _stop.Dispose();
    }
}
