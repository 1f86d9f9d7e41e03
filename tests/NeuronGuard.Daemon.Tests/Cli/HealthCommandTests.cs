using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;

namespace NeuronGuard.Daemon.Tests.Cli;

/// <summary>
/// `neuronguard health` as a real process against a real daemon: the exit codes exec probes rely on
/// (0 SERVING, 1 anything else, 2 usage error).
/// </summary>
public sealed class HealthCommandTests : IAsyncLifetime
{
    private static readonly string CliDll = Path.Combine(AppContext.BaseDirectory, "neuronguard.dll");
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-health-cli-").FullName;
    private DaemonHost _daemon = null!;

    public async Task InitializeAsync() => _daemon = await DaemonHost.StartAsync(new DaemonOptions
    {
        Listen = "127.0.0.1:0", DataDir = _dir, Model = "none", LogLevel = "Warning", Metrics = new MetricsOptions { Listen = "" },
    });

    [Fact]
    public async Task Health_ServingDaemon_PrintsServingExit0_WithOrWithoutScheme()
    {
        var (code, output) = await RunAsync($"health --target 127.0.0.1:{_daemon.Address.Port}");
        Assert.True(code == 0, output);
        Assert.Equal("SERVING", output.Trim());

        (code, output) = await RunAsync($"health --target {_daemon.Address} --service neuronguard.v1.Telemetry --timeout 10");
        Assert.True(code == 0, output);
        Assert.Equal("SERVING", output.Trim());
    }

    [Fact]
    public async Task Health_UnknownService_NotFoundExit1()
    {
        var (code, output) = await RunAsync($"health --target 127.0.0.1:{_daemon.Address.Port} --service nothing");
        Assert.Equal(1, code);
        Assert.Contains($"127.0.0.1:{_daemon.Address.Port}: unknown service nothing", output); // plain words, not the status name (issue 24 item 4)
    }

    [Fact]
    public async Task Health_NothingListening_CannotReachExit1()
    {
        var (code, output) = await RunAsync($"health --target 127.0.0.1:{FreePort()} --timeout 5");
        Assert.Equal(1, code);
        Assert.StartsWith("neuronguard health: ", output);
        Assert.DoesNotContain("SERVING", output);
    }

    [Theory]
    [InlineData("--target not:an:address", "is not a daemon address")]
    [InlineData("--target ftp://127.0.0.1:1", "is not a daemon address")]
    [InlineData("--timeout 0", "--timeout must be a positive number")]
    [InlineData("--no-such-option", "--no-such-option")]
    public async Task Health_UsageError_OneLineExit2(string args, string message)
    {
        var (code, output) = await RunAsync($"health {args}");
        Assert.Equal(2, code);
        Assert.Contains(message, output);
    }

    private static Task<(int Code, string Output)> RunAsync(string args) => CliProcess.RunLineAsync(args);

    private static int FreePort() => CliProcess.FreePort();

    public async Task DisposeAsync()
    {
        await _daemon.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
