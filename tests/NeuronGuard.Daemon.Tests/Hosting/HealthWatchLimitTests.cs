using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Hosting.Connections;
using NeuronGuard.Daemon.Metrics;

namespace NeuronGuard.Daemon.Tests.Hosting;

/// <summary>Health/Watch needs no token, so it is bounded: per connection and in total, RESOURCE_EXHAUSTED past it.</summary>
public sealed class HealthWatchLimitTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-watch-limit-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task OneConnectionPastItsWatchLimit_ResourceExhausted_OtherConnectionAndClosedSlotsServed()
    {
        await using var daemon = await DaemonHost.StartAsync(new DaemonOptions
        {
            Listen = "127.0.0.1:0", DataDir = _dir, Model = "none", LogLevel = "Critical", Metrics = new MetricsOptions { Listen = "" },
        });
        using var channel = GrpcChannel.ForAddress(daemon.Address);
        var health = new Health.HealthClient(channel);
        var watches = new List<AsyncServerStreamingCall<HealthCheckResponse>>();
        try
        {
            for (var i = 0; i < HealthWatchCounts.MaxPerConnection; i++)
            {
                var watch = health.Watch(new HealthCheckRequest());
                Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
                watches.Add(watch);
            }

            using var extra = health.Watch(new HealthCheckRequest());
            var refused = await Assert.ThrowsAsync<RpcException>(() => extra.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
            Assert.Contains($"this connection already holds {HealthWatchCounts.MaxPerConnection} Health/Watch calls", refused.Status.Detail);

            // Another connection is not held back by this one; Check is not a watch.
            using var other = GrpcChannel.ForAddress(daemon.Address);
            using var fresh = new Health.HealthClient(other).Watch(new HealthCheckRequest());
            Assert.True(await fresh.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);

            // A closed watch frees its slot.
            watches[0].Dispose();
            watches.RemoveAt(0);
            AsyncServerStreamingCall<HealthCheckResponse>? again = null;
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (again is null)
            {
                var attempt = health.Watch(new HealthCheckRequest());
                try
                {
                    Assert.True(await attempt.ResponseStream.MoveNext(CancellationToken.None));
                    again = attempt;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && DateTime.UtcNow < deadline)
                {
                    attempt.Dispose(); // the server may not have seen the cancellation yet
                    await Task.Delay(100);
                }
            }
            watches.Add(again);
        }
        finally
        {
            watches.ForEach(w => w.Dispose());
        }
    }

    [Fact]
    public void Counts_PastTheTotal_RefusedOnAnyConnection_ReleasedSlotsReusable()
    {
        var counts = new HealthWatchCounts(maxPerConnection: 2, maxTotal: 3);
        Assert.Null(counts.TryAcquire("a"));
        Assert.Null(counts.TryAcquire("a"));
        Assert.Contains("this connection already holds 2", counts.TryAcquire("a"));
        Assert.Null(counts.TryAcquire("b"));
        Assert.Contains("the daemon already holds 3", counts.TryAcquire("c"));
        Assert.Equal(3, counts.Open);
        counts.Release("a");
        Assert.Null(counts.TryAcquire("c"));
        Assert.Equal(3, counts.Open);
    }
}
