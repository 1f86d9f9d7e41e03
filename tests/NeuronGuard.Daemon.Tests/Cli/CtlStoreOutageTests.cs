using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.ModelServer;
using NeuronGuard.Storage;
using NeuronGuard.Storage.Tests.Infrastructure;

namespace NeuronGuard.Daemon.Tests.Cli;

/// <summary>
/// Issue 24 item 5, the CLI's part: `ctl policy set` while the daemon's Redis is down prints one line that names the
/// endpoint, the cause and "NOT applied", without the Redis client's state dump (~1,000 characters before the fix).
/// A real `neuronguard` process against a real daemon on a real redis-server that the test kills.
/// </summary>
public sealed class CtlStoreOutageTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-ctl-outage-").FullName;
    private RedisServer _redis = null!;
    private DaemonHost _daemon = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        var store = new StoreOptions { Kind = StoreKind.Redis, Redis = _redis.Options("ctl-outage-" + Guid.NewGuid().ToString("N")[..8]), DataDirectory = _dir };
        _daemon = await ServeHost.StartAsync(new DaemonOptions
        {
            Listen = "127.0.0.1:0", DataDir = _dir, Model = "none", LogLevel = "Warning", Store = store, Metrics = new MetricsOptions { Listen = "" },
        });
    }

    public async Task DisposeAsync()
    {
        await _daemon.DisposeAsync();
        await _redis.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task PolicySet_RedisDown_OneLineWithEndpointCauseAndNotApplied()
    {
        string server = $"127.0.0.1:{_daemon.Address.Port}";
        var (code, _, err) = await CliProcess.RunAsync("ctl", "--server", server, "policy", "set", "toxicity", "--mode", "shadow");
        Assert.True(code == 0, err); // the store works before the outage

        _redis.Kill();
        // The first write after the kill may be cut off in flight ("may or may not have been applied"); the client
        // knows the connection is gone from then on and refuses the next write before sending it: NOT applied.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        do
        {
            (code, _, err) = await CliProcess.RunAsync("ctl", "--server", server, "policy", "set", "backdoor", "--mode", "on-flag");
        }
        while (!err.Contains("NOT applied", StringComparison.Ordinal) && DateTime.UtcNow < deadline);

        Assert.Equal(1, code);
        string line = err.Trim();
        Assert.DoesNotContain('\n', line);
        Assert.Contains($"redis at {_redis.Endpoint} is unreachable (", line);
        Assert.EndsWith("the change was NOT applied", line);
        Assert.True(line.Length <= 400, $"{line.Length} characters: {line}");
        foreach (var dump in new[] { "mgr:", "IOCP", "WORKER", "inst:", "Exception", "   at " })
        {
            Assert.DoesNotContain(dump, line);
        }
    }
}
