using Microsoft.Extensions.Logging.Abstractions;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Policies;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Storage;
using NeuronGuard.Storage.Sync;
using Xunit;
using Catalog = NeuronGuard.Engine.Catalogs.Catalog;

namespace NeuronGuard.Daemon.Tests.Policies;

/// <summary>
/// TTLs beyond what one .NET timer can wait (~49.7 days): refused at the API past the documented limit, and a store
/// that already holds such an entry still starts (the real clock, whose timers throw for such due times).
/// </summary>
public sealed class PolicyTtlTests
{
    [Fact]
    public void Validate_TtlOverLimit_InvalidArgumentNamingTheLimit()
    {
        var request = new SetMitigationRequest { Set = "toxicity", Mode = MitigationMode.OnFlag, Strength = 1, TtlSeconds = PolicyManager.MaxTtlSeconds + 1 };
        var e = Assert.Throws<ArgumentException>(() => PolicyManager.Validate(request, "alice", DateTimeOffset.UtcNow));
        Assert.Contains("366 days", e.Message);
    }

    [Fact]
    public void Validate_ReasonOver1024Characters_InvalidArgument()
    {
        var request = new SetMitigationRequest { Set = "toxicity", Mode = MitigationMode.OnFlag, Strength = 1, Reason = new string('r', 3 << 20) };
        var e = Assert.Throws<ArgumentException>(() => PolicyManager.Validate(request, "alice", DateTimeOffset.UtcNow));
        Assert.Contains("the limit is 1024", e.Message);
    }

    [Fact]
    public async Task SetAsync_TtlOf366Days_AcceptedAndScheduledWithoutThrowing()
    {
        await using var fixture = await Fixture.StartAsync();
        var (policy, _) = await fixture.Manager.SetAsync(new SetMitigationRequest
        {
            Set = "toxicity", Mode = MitigationMode.OnFlag, Strength = 1, TtlSeconds = PolicyManager.MaxTtlSeconds,
        }, "alice", CancellationToken.None);
        var entry = Assert.Single(policy.Entries);
        Assert.True(entry.ExpiresAtUnixMs > DateTimeOffset.UtcNow.AddDays(365).ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task Start_StoreHoldsEntryExpiringIn100Days_Starts()
    {
        var dir = Directory.CreateTempSubdirectory("ng-ttl-").FullName;
        try
        {
            await using (var store = await Fixture.OpenStoreAsync(dir))
            {
                var entry = new PolicyEntry
                {
                    Set = "backdoor", Mode = MitigationMode.OnFlag,
                    ExpiresAtUnixMs = DateTimeOffset.UtcNow.AddDays(100).ToUnixTimeMilliseconds(),
                };
                var result = await store.TryUpdatePolicyAsync(null, [PolicyChange.Set(entry.Key, entry.ToJson())], "old build");
                Assert.True(result.Applied);
            }
            await using var fixture = await Fixture.StartAsync(dir);
            Assert.Equal("backdoor", Assert.Single(fixture.Manager.Current.Entries).Set);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task SetAsync_StoreVersionWentBackwards_FailsSayingNotApplied()
    {
        // The cache holds version 3; the store that takes the write starts again at 0 (emptied Redis, say).
        await using var fixture = await Fixture.StartAsync();
        for (int i = 0; i < 3; i++)
        {
            await fixture.Manager.SetAsync(new SetMitigationRequest { Set = "s" + i, Mode = MitigationMode.Shadow, Strength = 1 }, "alice", CancellationToken.None);
        }
        Assert.Equal(3, fixture.Manager.Current.Version);
        var dir = Directory.CreateTempSubdirectory("ng-ttl-").FullName;
        try
        {
            await using var emptied = await Fixture.OpenStoreAsync(dir);
            var manager = new PolicyManager(emptied, fixture.Sync, TimeProvider.System, NullLogger.Instance);
            var e = await Assert.ThrowsAsync<PolicyNotAppliedException>(() => manager.SetAsync(
                new SetMitigationRequest { Set = "backdoor", Mode = MitigationMode.OnFlag, Strength = 1 }, "alice", CancellationToken.None));
            Assert.Contains("NOT applied", e.Message);
            Assert.Contains("went backwards", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task SetAsync_StoreLandsAtExactlyTheCachedVersion_FailsSayingNotApplied()
    {
        // The boundary of the check: the write is stored as version 3 while this daemon already serves version 3 (another
        // copy of the store, two writes in): equal is not newer, so the change would not apply here either.
        await using var fixture = await Fixture.StartAsync();
        for (int i = 0; i < 3; i++)
        {
            await fixture.Manager.SetAsync(new SetMitigationRequest { Set = "s" + i, Mode = MitigationMode.Shadow, Strength = 1 }, "alice", CancellationToken.None);
        }
        var dir = Directory.CreateTempSubdirectory("ng-ttl-").FullName;
        try
        {
            await using var other = await Fixture.OpenStoreAsync(dir);
            await other.TryUpdatePolicyAsync(null, [PolicyChange.Set("x/global", "{}")], "elsewhere");
            await other.TryUpdatePolicyAsync(null, [PolicyChange.Set("y/global", "{}")], "elsewhere");
            var manager = new PolicyManager(other, fixture.Sync, TimeProvider.System, NullLogger.Instance);
            var e = await Assert.ThrowsAsync<PolicyNotAppliedException>(() => manager.SetAsync(
                new SetMitigationRequest { Set = "backdoor", Mode = MitigationMode.OnFlag, Strength = 1 }, "alice", CancellationToken.None));
            Assert.Contains("stored as policy version 3, but this daemon already serves version 3", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class Fixture : IAsyncDisposable
    {
        private readonly IStore _store;
        private readonly StoreSync<Catalog, Baseline> _sync;
        private readonly string? _ownDir;

        private Fixture(IStore store, StoreSync<Catalog, Baseline> sync, PolicyManager manager, string? ownDir)
        {
            _store = store;
            _sync = sync;
            Manager = manager;
            _ownDir = ownDir;
        }

        public PolicyManager Manager { get; }

        public StoreSync<Catalog, Baseline> Sync => _sync;

        public static Task<IStore> OpenStoreAsync(string dir) =>
            StoreFactory.OpenAsync(new StoreOptions { DataDirectory = dir, Embedded = new EmbeddedStoreOptions { Durable = false } });

        public static async Task<Fixture> StartAsync(string? dir = null)
        {
            string? own = dir is null ? Directory.CreateTempSubdirectory("ng-ttl-").FullName : null;
            var store = await OpenStoreAsync(dir ?? own!);
            var sync = new StoreSync<Catalog, Baseline>(store,
                (_, p) => CatalogJson.Parse(p.Span), (_, p) => BaselineFormat.Read(p.Span), new StoreSyncOptions(), null);
            await sync.StartAsync();
            return new Fixture(store, sync, new PolicyManager(store, sync, TimeProvider.System, NullLogger.Instance), own);
        }

        public async ValueTask DisposeAsync()
        {
            await Manager.DisposeAsync();
            await _sync.DisposeAsync();
            await _store.DisposeAsync();
            if (_ownDir is not null)
            {
                Directory.Delete(_ownDir, recursive: true);
            }
        }
    }
}
