using System.Net.Sockets;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;

namespace NeuronGuard.Daemon.Tests.Hosting;

/// <summary>
/// MaxConnections: past the cap (idle TCP connections that never speak, as a flood would open) new connections are
/// refused, while a client that already has its connection keeps being served.
/// </summary>
public sealed class ConnectionLimitTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-connections-").FullName;

    [Fact]
    public async Task IdleFlood_OverTheCap_NewConnectionRefusedExistingOneServed()
    {
        await using var daemon = await DaemonHost.StartAsync(new DaemonOptions
        {
            Listen = "127.0.0.1:0", DataDir = _dir, Model = "none", LogLevel = "Critical", MaxConnections = 4,
            Metrics = new MetricsOptions { Listen = "" },
        });
        using var existing = GrpcChannel.ForAddress(daemon.Address);
        var health = new Health.HealthClient(existing);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);

        var idle = new List<TcpClient>();
        try
        {
            for (int i = 0; i < 8; i++)
            {
                var tcp = new TcpClient();
                await tcp.ConnectAsync("127.0.0.1", daemon.Address.Port);
                idle.Add(tcp);
            }
            using var late = GrpcChannel.ForAddress(daemon.Address);
            var refused = await Assert.ThrowsAsync<RpcException>(async () =>
                await new Health.HealthClient(late).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(10)));
            Assert.Contains(refused.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal, StatusCode.DeadlineExceeded });

            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
        }
        finally
        {
            idle.ForEach(t => t.Dispose());
        }
    }

    [Theory]
    [InlineData(1024L, 672L)]
    [InlineData(16384L, 10_000L)]
    [InlineData(100L, 16L)]
    public void Derive_FromOpenFileLimit_ThreeQuartersOfWhatIsLeftCapped(long limit, long expected) =>
        Assert.Equal(expected, ConnectionLimits.Derive(limit));

    [Fact]
    public void Resolve_Configured_Wins() => Assert.Equal(7, ConnectionLimits.Resolve(7));

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
