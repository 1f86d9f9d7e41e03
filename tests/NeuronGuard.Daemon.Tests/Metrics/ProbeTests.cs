using System.Net;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Storage;
using NeuronGuard.Storage.Tests.Infrastructure;

namespace NeuronGuard.Daemon.Tests.Metrics;

/// <summary>
/// The real daemon's probes on its metrics port follow the store health that drives gRPC Health: a real redis-server
/// down at start makes /readyz 503 with the reason while /healthz stays 200; Redis back makes /readyz 200.
/// </summary>
public sealed class ProbeTests
{
    [Fact]
    public async Task Readyz_503WhileRedisIsDown_200OnceItIsBack_HealthzAlways200()
    {
        await using var redis = await RedisServer.StartAsync();
        redis.Kill();
        var dir = Directory.CreateTempSubdirectory("ng-probes-");
        try
        {
            await using var daemon = await DaemonHost.StartAsync(new DaemonOptions
            {
                Listen = "127.0.0.1:0", DataDir = dir.FullName, Model = "none", LogLevel = "Warning",
                Store = new StoreOptions
                {
                    Kind = StoreKind.Redis, DataDirectory = dir.FullName,
                    Redis = redis.Options("probes-" + Guid.NewGuid().ToString("N")[..8]),
                },
                Metrics = new MetricsOptions { Listen = "127.0.0.1:0" },
            });
            using var http = new HttpClient();
            var healthz = new Uri(daemon.MetricsAddress!, MetricsEndpoint.HealthPath);
            var readyz = new Uri(daemon.MetricsAddress!, MetricsEndpoint.ReadyPath);

            var down = await http.GetAsync(readyz);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            string reason = await down.Content.ReadAsStringAsync();
            Assert.StartsWith("not ready: store NotServing", reason, StringComparison.Ordinal);
            Assert.Contains(redis.Endpoint, reason, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(healthz)).StatusCode);

            await redis.StartProcessAsync();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            HttpStatusCode status;
            while ((status = (await http.GetAsync(readyz)).StatusCode) != HttpStatusCode.OK && DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
            Assert.True(status == HttpStatusCode.OK, $"/readyz still {status} 60 s after Redis came back; store health: {daemon.Context.Sync.Health.State} {daemon.Context.Sync.Health.Reason}");
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(healthz)).StatusCode);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
