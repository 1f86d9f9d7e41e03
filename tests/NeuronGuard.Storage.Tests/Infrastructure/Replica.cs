using System.Collections.Concurrent;
using NeuronGuard.Storage.Sync;

namespace NeuronGuard.Storage.Tests.Infrastructure;

/// <summary>What one daemon instance runs: its own store connection and cache, with the events it saw.</summary>
internal sealed class Replica : IAsyncDisposable
{
    private readonly ConcurrentQueue<TaskCompletionSource<bool>> _waiters = new();

    private Replica(IStore store, StoreSync<string, byte[]> sync)
    {
        Store = store;
        Sync = sync;
        sync.Changed += c => { Changes.Enqueue(c); Poke(); };
        sync.HealthChanged += h => { Healths.Enqueue(h); Poke(); };
        sync.LoadFailed += f => { Failures.Enqueue(f); Poke(); };
    }

    public IStore Store { get; }

    public StoreSync<string, byte[]> Sync { get; }

    public ConcurrentQueue<StoreChange> Changes { get; } = new();

    public ConcurrentQueue<StoreHealth> Healths { get; } = new();

    public ConcurrentQueue<RecordLoadFailure> Failures { get; } = new();

    /// <param name="versionCheck">Periodic check; an hour by default so that only notifications deliver changes.</param>
    /// <param name="outageRetry">Retry while the store is down; an hour makes recovery depend on the reconnect event alone.</param>
    public static async Task<Replica> StartAsync(StoreOptions options, TimeSpan? versionCheck = null, TimeProvider? time = null, TimeSpan? outageRetry = null)
    {
        var store = await StoreFactory.OpenAsync(options);
        var syncOptions = new StoreSyncOptions
        {
            VersionCheckInterval = versionCheck ?? TimeSpan.FromHours(1),
            OutageRetryInterval = outageRetry ?? TimeSpan.FromMilliseconds(200),
        };
        var sync = new StoreSync<string, byte[]>(store, TestRecords.DecodeCatalog, TestRecords.DecodeBaseline, syncOptions,
            options.EffectiveSnapshotDirectory, time);
        var replica = new Replica(store, sync);
        await sync.StartAsync();
        return replica;
    }

    /// <summary>Completes when <paramref name="condition"/> holds, re-checked after every event this replica sees.</summary>
    public async Task WaitUntilAsync(Func<Replica, bool> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition(this))
        {
            var tcs = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(tcs);
            if (condition(this))
            {
                return;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new Xunit.Sdk.XunitException($"gave up after {seconds} s waiting for {what}; health: {Sync.Health}");
            }
            await Task.WhenAny(tcs.Task, Task.Delay(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200)));
        }
    }

    private void Poke()
    {
        while (_waiters.TryDequeue(out var w))
        {
            w.TrySetResult(true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Sync.DisposeAsync();
        await Store.DisposeAsync();
    }
}
