using Microsoft.Extensions.Logging.Abstractions;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Policies;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Storage;
using NeuronGuard.Storage.Sync;
using Catalog = NeuronGuard.Engine.Catalogs.Catalog;
using CatalogNeuron = NeuronGuard.Engine.Catalogs.CatalogNeuron;
using NeuronSet = NeuronGuard.Engine.Catalogs.NeuronSet;
using NeuronSetKind = NeuronGuard.Engine.Catalogs.NeuronSetKind;

namespace NeuronGuard.Daemon.Tests.Policies;

/// <summary>Policy writes that would silently do something else than asked: refused or reported instead.</summary>
public sealed class PolicyWriteTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-policy-").FullName;
    private IStore _store = null!;
    private StoreSync<Catalog, Baseline> _sync = null!;
    private PolicyManager _manager = null!;

    public async Task InitializeAsync()
    {
        _store = await StoreFactory.OpenAsync(new StoreOptions { DataDirectory = _dir, Embedded = new EmbeddedStoreOptions { Durable = false } });
        var catalog = new Catalog
        {
            Model = new ModelShape { Fingerprint = "ab12", Layers = 2, NeuronsPerLayer = 8 },
            Version = "c1",
            Sets =
            [
                new NeuronSet { Name = "toxicity", Kind = NeuronSetKind.Toxicity, Neurons = [new CatalogNeuron { Layer = 0, Index = 1, Score = 0.9 }] },
                new NeuronSet { Name = "backdoor", Kind = NeuronSetKind.Backdoor, Neurons = [new CatalogNeuron { Layer = 1, Index = 2 }] },
            ],
        };
        await _store.PutRecordAsync(RecordKind.Catalog, "ab12", "c1", Catalog.CurrentFormat, CatalogJson.Serialize(catalog), "test");
        await _store.ActivateAsync(RecordKind.Catalog, "ab12", "c1", "test");
        _sync = new StoreSync<Catalog, Baseline>(_store, (_, p) => CatalogJson.Parse(p.Span), (_, p) => BaselineFormat.Read(p.Span), new StoreSyncOptions(), null);
        await _sync.StartAsync();
        _manager = new PolicyManager(_store, _sync, TimeProvider.System, NullLogger.Instance);
    }

    [Fact]
    public async Task Set_UnknownSet_FailedPreconditionListingKnownSets()
    {
        var e = await Assert.ThrowsAsync<UnknownSetException>(() => Set(new SetMitigationRequest { Set = "toxicty", Mode = MitigationMode.OnFlag }));
        Assert.Contains("no active catalog has a neuron set named 'toxicty': known sets are backdoor, toxicity", e.Message);
        Assert.Equal(0, _manager.Current.Version);
    }

    [Fact]
    public async Task Set_UnknownSetOff_Allowed()
    {
        var (policy, _) = await Set(new SetMitigationRequest { Set = "gone", Mode = MitigationMode.Off });
        Assert.Equal(1, policy.Version);
    }

    [Fact]
    public async Task Set_SameSettingTwice_UnchangedAndVersionStays()
    {
        var first = await Set(new SetMitigationRequest { Set = "backdoor", Mode = MitigationMode.OnFlag, Strength = 0.5f });
        Assert.False(first.Unchanged);
        var again = await Set(new SetMitigationRequest { Set = "backdoor", Mode = MitigationMode.OnFlag, Strength = 0.5f });
        Assert.True(again.Unchanged);
        Assert.Equal(first.Policy.Version, again.Policy.Version);
        var different = await Set(new SetMitigationRequest { Set = "backdoor", Mode = MitigationMode.OnFlag, Strength = 0.6f });
        Assert.False(different.Unchanged);
        Assert.Equal(first.Policy.Version + 1, different.Policy.Version);
    }

    [Fact]
    public async Task Set_StrengthNotGiven_StoredAsFullStrength()
    {
        var (policy, _) = await Set(new SetMitigationRequest { Set = "toxicity", Mode = MitigationMode.Always });
        Assert.Equal(1f, Assert.Single(policy.Entries).Strength);
    }

    [Fact]
    public async Task Set_ExplicitStrengthZero_RefusedNotTurnedIntoOne()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Set(new SetMitigationRequest { Set = "toxicity", Mode = MitigationMode.OnFlag, Strength = 0 }));
        Assert.Contains("strength 0 with mode OnFlag would attenuate nothing", e.Message);
        Assert.Equal(0, _manager.Current.Version);
    }

    private Task<PolicyWrite> Set(SetMitigationRequest request) => _manager.SetAsync(request, "alice", CancellationToken.None);

    public async Task DisposeAsync()
    {
        await _manager.DisposeAsync();
        await _sync.DisposeAsync();
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
