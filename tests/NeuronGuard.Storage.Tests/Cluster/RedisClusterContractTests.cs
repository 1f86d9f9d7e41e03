using NeuronGuard.Storage.Tests.Contract;
using NeuronGuard.Storage.Tests.Infrastructure;

namespace NeuronGuard.Storage.Tests.Cluster;

/// <summary>
/// The whole store contract on a real Redis Cluster: every key of a prefix shares its hash tag, so each
/// multi-key script runs in one slot, and change notifications reach subscribers on other nodes.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class RedisClusterContractTests(SharedCluster cluster) : StoreContractTests
{
    protected override Task<IStore> OpenStoreAsync(int auditCap)
    {
        var options = cluster.Cluster.Options(SharedRedis.NewPrefix());
        options.AuditCap = auditCap;
        return StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Redis, Redis = options });
    }
}
