using NeuronGuard.Storage.Tests.Infrastructure;

namespace NeuronGuard.Storage.Tests.Contract;

[Collection(SharedRedisCollection.Name)]
public sealed class RedisStoreContractTests(SharedRedis redis) : StoreContractTests
{
    protected override Task<IStore> OpenStoreAsync(int auditCap)
    {
        var options = redis.Server.Options(SharedRedis.NewPrefix());
        options.AuditCap = auditCap;
        return StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Redis, Redis = options });
    }
}
