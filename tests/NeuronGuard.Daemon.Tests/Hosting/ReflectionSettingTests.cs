using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;

namespace NeuronGuard.Daemon.Tests.Hosting;

/// <summary>The Reflection setting: off, a grpcio reflection client gets UNIMPLEMENTED and the services still answer.</summary>
public sealed class ReflectionSettingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-reflection-").FullName;

    [Fact]
    public async Task ReflectionOff_GrpcioReflectionClient_Unimplemented()
    {
        await using var daemon = await DaemonHost.StartAsync(new DaemonOptions
        {
            Listen = "127.0.0.1:0", DataDir = _dir, Model = "none", LogLevel = "Warning", Reflection = false,
            Metrics = new MetricsOptions { Listen = "" },
        });
        var (code, output) = await Peers.RunAsync("/usr/bin/python3", $"reflection_client.py 127.0.0.1:{daemon.Address.Port} --expect-unimplemented",
            Peers.PythonDir, TimeSpan.FromMinutes(2));
        Assert.True(code == 0, output);
        Assert.Contains("UNIMPLEMENTED", output);
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(daemon.Address);
        Assert.NotNull((await channel.AsyncUnaryCall(ControlMethods.GetPolicy, new Api.V1.GetPolicyRequest())).Policy);
    }

    [Fact]
    public void Reflection_DefaultsToOn() => Assert.True(new DaemonOptions().Reflection);

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
