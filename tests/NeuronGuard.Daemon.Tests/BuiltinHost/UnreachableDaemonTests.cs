using System.Net;
using NeuronGuard.ModelServer;
using System.Net.Sockets;
using NeuronGuard.Api.V1;
using NeuronGuard.ModelServer.BuiltinHost;
using Grpc.Core;
using Grpc.Net.Client;
using NeuronGuard.Inference;

namespace NeuronGuard.Daemon.Tests.BuiltinHost;

/// <summary>A built-in host whose daemon is not there refuses work with a clear reason, over real gRPC.</summary>
public sealed class UnreachableDaemonTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ng-host-" + Guid.NewGuid().ToString("N"));

    public UnreachableDaemonTests() => FixtureMaker.WritePlanted(_dir);

    [Fact]
    public async Task NoDaemon_StartFails_AndGenerateAnswersUnavailable()
    {
        string url = $"http://127.0.0.1:{FreePort()}";
        using var model = ModelHost.Load(_dir, new ModelHostOptions { Threads = 1 });
        await using var server = new TelemetryModelServer(model, new TelemetryModelServerOptions { DaemonUrl = url, ConnectTimeout = TimeSpan.FromSeconds(2) });

        var start = await Assert.ThrowsAsync<DaemonUnavailableException>(() => server.StartAsync());
        Assert.Contains(url, start.Message);
        Assert.NotEqual(TelemetryConnectionState.Connected, server.State);

        await using var grpc = await InferenceServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), server, CancellationToken.None);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpc.Port}");
        using var call = channel.AsyncServerStreamingCall(BuiltinHostMethods.Generate, new GenerateRequest { Prompt = " hello", MaxNewTokens = 2 });
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Contains("no Telemetry stream to the daemon", ex.Status.Detail);
    }

    [Fact]
    public void BadDaemonUrl_ClearMessage()
    {
        using var model = ModelHost.Load(_dir, new ModelHostOptions { Threads = 1 });
        var ex = Assert.Throws<ArgumentException>(() => new TelemetryModelServer(model, new TelemetryModelServerOptions { DaemonUrl = "127.0.0.1:50051" }));
        Assert.Contains("use http://HOST:PORT", ex.Message);
    }

    private static int FreePort() => FreePorts.Next();

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
