using NeuronGuard.Storage.Tests.Infrastructure;

namespace NeuronGuard.Storage.Tests.Cluster;

/// <summary>One 3-master, 3-replica Redis Cluster shared by the cluster tests; each test uses its own key prefix.</summary>
public sealed class SharedCluster : IAsyncLifetime
{
    internal RedisCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await RedisCluster.StartAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class SharedClusterCollection : ICollectionFixture<SharedCluster>
{
    public const string Name = "redis cluster";
}
