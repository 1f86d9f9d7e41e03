using System.Collections.Concurrent;
using NeuronGuard.Storage.Redis;
using NeuronGuard.Storage.Tests.Infrastructure;

namespace NeuronGuard.Storage.Tests.Cluster;

/// <summary>
/// A manual failover (<c>CLUSTER FAILOVER</c> on a replica) of the master that owns the prefix's slot, under a
/// steady stream of policy writes, with a second daemon's store subscribed to the changes.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class RedisClusterFailoverTests(SharedCluster shared, Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task ManualFailover_UnderWrites_NoAcknowledgedWriteLostAndNotificationsContinue()
    {
        var cluster = shared.Cluster;
        var prefix = SharedRedis.NewPrefix();
        await using var writer = await StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Redis, Redis = cluster.Options(prefix) });
        await using var reader = await StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Redis, Redis = cluster.Options(prefix) });
        var notified = new ConcurrentDictionary<string, bool>();
        await using var subscription = await reader.SubscribeAsync(c => notified[c.Version ?? ""] = true);
        var (master, replica) = await cluster.OwnerOfAsync(new RedisKeys(prefix).Policy.ToString());

        var acknowledged = new ConcurrentDictionary<string, long>();
        var refused = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var writes = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested || i < 20; i++)
            {
                try
                {
                    var result = await writer.TryUpdatePolicyAsync(null, [PolicyChange.Set($"k{i}", $"{{\"i\":{i}}}")], "alice");
                    acknowledged[$"k{i}"] = result.Version;
                }
                catch (StoreUnavailableException e)
                {
                    refused.Enqueue(e.Message);
                }
            }
        });
        await RedisCluster.WaitAsync(() => Task.FromResult(acknowledged.Count >= 20), "20 writes before the failover");
        await RedisCluster.FailoverAsync(replica);
        var afterFailover = acknowledged.Count;
        await RedisCluster.WaitAsync(() => Task.FromResult(acknowledged.Count >= afterFailover + 20), "20 writes after the failover");
        stop.Cancel();
        await writes;

        var policy = await reader.GetPolicyAsync();
        output.WriteLine($"failover {master} -> {replica}: {acknowledged.Count} writes acknowledged, {refused.Count} refused: {string.Join(" | ", refused.Distinct())}");
        Assert.All(acknowledged, kv => Assert.True(policy.Entries.ContainsKey(kv.Key), $"acknowledged write {kv.Key} (version {kv.Value}) lost"));
        Assert.Equal(acknowledged.Count, policy.Entries.Count);
        Assert.Equal(acknowledged.Values.Max(), policy.Version);
        Assert.All(refused, message => Assert.EndsWith("the change was NOT applied", message));
        Assert.StartsWith("master", await RedisCli.RunAsync(replica, "role"));
        Assert.StartsWith("slave", await RedisCli.RunAsync(master, "role"));
        await RedisCluster.WaitAsync(() => Task.FromResult(notified.ContainsKey(policy.Version.ToString())), "the notification of the last write");
    }
}
