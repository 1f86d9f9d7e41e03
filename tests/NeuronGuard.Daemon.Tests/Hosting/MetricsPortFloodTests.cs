using System.Net.Sockets;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace NeuronGuard.Daemon.Tests.Hosting;

/// <summary>
/// The metrics port is an endpoint of the daemon's own Kestrel with a connection cap of its own (issue 22 item 3):
/// 2,300 idle TCP connections to it at an open-file limit of 2,048 used to abort the daemon ("Out of memory", exit
/// 134); now the extra connections are closed at accept, gRPC keeps serving, and scrapes work once the flood ends.
/// </summary>
public sealed class MetricsPortFloodTests
{
    private static readonly string CliDll = Path.Combine(AppContext.BaseDirectory, "neuronguard.dll");

    [Fact]
    public async Task IdleFloodOnMetricsPort_AtUlimit2048_DaemonKeepsServing()
    {
        using var daemon = await ServeProcess.StartAsync(CliDll, "--listen 127.0.0.1:0 --model none", openFileLimit: 2048);
        var metrics = await daemon.Metrics.WaitAsync(TimeSpan.FromSeconds(60));
        var sockets = new List<Socket>();
        try
        {
            for (int i = 0; i < 2300; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                try
                {
                    await socket.ConnectAsync("127.0.0.1", metrics.Port);
                }
                catch (SocketException)
                {
                    // The backlog may refuse a few under the flood; the daemon's answer is what the test checks.
                }
            }
            Assert.False(daemon.HasExited, daemon.Log);
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{daemon.Port}");
            var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(60));
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        }
        finally
        {
            foreach (var s in sockets)
            {
                s.Dispose();
            }
        }
        Assert.False(daemon.HasExited, daemon.Log);
        // The flood gone, scrapes are served again (the cap frees as the closed connections are noticed).
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        string? text = null;
        for (int attempt = 0; attempt < 100 && text is null; attempt++)
        {
            try
            {
                text = await http.GetStringAsync(metrics);
            }
            catch (HttpRequestException)
            {
                await Task.Delay(200);
            }
        }
        Assert.NotNull(text);
        Assert.Contains("neuronguard_", text);
        Assert.DoesNotContain("Out of memory", daemon.Log);
        // Refused connections are summarised per interval, not logged one line each.
        for (int i = 0; i < 300 && !daemon.Log.Contains("connection(s) in the last", StringComparison.Ordinal); i++)
        {
            await Task.Delay(50);
        }
        Assert.Contains("connection(s) in the last 10 s: a connection cap is reached", daemon.Log);
        Assert.DoesNotContain("rejected because the maximum number of concurrent connections", daemon.Log);
    }
}
