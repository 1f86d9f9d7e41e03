using Grpc.Core;
using Grpc.Net.Client;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;

namespace NeuronGuard.Daemon.Tests.Telemetry;

/// <summary>Telemetry:MaxRequestsPerStream: the request one over the limit gets RESOURCE_EXHAUSTED, the open ones go on.</summary>
public sealed class RequestLimitTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-request-limit-").FullName;

    [Fact]
    public async Task RequestStart_OneOverMaxRequestsPerStream_ResourceExhausted_RoomAgainAfterAnEnd()
    {
        await using var daemon = await DaemonHost.StartAsync(new DaemonOptions
        {
            Listen = "127.0.0.1:0", DataDir = _dir, Model = "none", LogLevel = "Warning",
            Metrics = new MetricsOptions { Listen = "" }, Telemetry = new() { MaxRequestsPerStream = 3 },
        });
        using var channel = GrpcChannel.ForAddress(daemon.Address);
        await using var s = new RawModelServer(channel);
        await s.HelloAsync("no-catalog-model", "limited");
        await s.ExpectAsync(m => m.Welcome is not null, "Welcome");
        for (int i = 0; i < 3; i++)
        {
            await s.StartAsync("open-" + i);
        }
        await s.StartAsync("one-too-many");
        var error = (await s.ExpectErrorAsync("one-too-many", StatusCode.ResourceExhausted)).Error;
        Assert.Contains("already has 3 open requests (Telemetry:MaxRequestsPerStream)", error.Message);

        // No model is catalogued here, so no verdicts: an unknown RequestEnd is the barrier (answers come in order).
        await s.EndAsync("open-0");
        await s.StartAsync("fits-again");
        await s.EndAsync("barrier");
        await s.ExpectErrorAsync("barrier", StatusCode.NotFound);
        Assert.DoesNotContain(s.Seen, m => m.Error is { } e && e.RequestId == "fits-again");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
