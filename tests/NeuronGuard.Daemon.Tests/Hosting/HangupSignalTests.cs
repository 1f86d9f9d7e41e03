using Grpc.Health.V1;
using Grpc.Net.Client;

namespace NeuronGuard.Daemon.Tests.Hosting;

/// <summary>
/// SIGHUP (issue 24 item 10): its default action would end the daemon with no drain and no log line; the daemon
/// ignores it with a warning that says how to apply a changed config, and goes on serving until SIGTERM.
/// </summary>
public sealed class HangupSignalTests
{
    private static readonly string CliDll = Path.Combine(AppContext.BaseDirectory, "neuronguard.dll");

    [Fact]
    public async Task Sighup_LoggedAndIgnored_DaemonKeepsServing_ThenSigtermDrains()
    {
        using var daemon = await ServeProcess.StartAsync(CliDll, "--listen 127.0.0.1:0 --model none", defaultHangup: true);
        Assert.DoesNotContain("warn:", daemon.Log); // a plain start says nothing alarming (JSON transcoding once warned here at every start)
        daemon.Signal("HUP");
        for (int i = 0; i < 200 && !daemon.Log.Contains("SIGHUP received and ignored", StringComparison.Ordinal); i++)
        {
            await Task.Delay(50);
        }
        Assert.Contains("SIGHUP received and ignored", daemon.Log);
        Assert.False(daemon.HasExited, daemon.Log);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{daemon.Port}");
        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(60));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        Assert.Equal(0, await daemon.Terminate().WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("NeuronGuard stopped", daemon.Log);
    }
}
