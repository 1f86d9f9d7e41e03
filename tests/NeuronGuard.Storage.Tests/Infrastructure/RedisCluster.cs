using System.Diagnostics;

namespace NeuronGuard.Storage.Tests.Infrastructure;

/// <summary>
/// A real Redis Cluster: three masters and three replicas of Debian's redis-server on free loopback ports
/// (cluster bus ports chosen free too), joined with <c>redis-cli --cluster create</c>, each node in its own
/// directory under /tmp.
/// </summary>
internal sealed class RedisCluster : IAsyncDisposable
{
    private const string Binary = "/usr/bin/redis-server";
    private readonly List<Process> _processes = [];

    private RedisCluster() => Directory = System.IO.Directory.CreateTempSubdirectory("ng-cluster-").FullName;

    public string Directory { get; }

    public List<int> Ports { get; } = [];

    public static async Task<RedisCluster> StartAsync(int nodes = 6)
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing: install the Debian package redis-server (the test script does)");
        var cluster = new RedisCluster();
        var ports = new HashSet<int>();
        while (ports.Count < nodes * 2)
        {
            ports.Add(RedisServer.FreePort());
        }
        foreach (var pair in ports.Chunk(2))
        {
            cluster.StartNode(pair[0], pair[1]);
        }
        foreach (var port in cluster.Ports)
        {
            await WaitAsync(async () => await TryPingAsync(port), $"node {port} to answer PING (see {cluster.Directory})");
        }
        await RedisCli.RunAsync(["--cluster", "create", .. cluster.Ports.Select(p => $"127.0.0.1:{p}"), "--cluster-replicas", "1", "--cluster-yes"]);
        foreach (var port in cluster.Ports)
        {
            await WaitAsync(async () => (await RedisCli.RunAsync(port, "cluster", "info")).Contains("cluster_state:ok"), $"node {port} to report cluster_state:ok");
        }
        return cluster;
    }

    /// <summary>Endpoints of every node, as the store's <c>Endpoints</c> setting takes them.</summary>
    public List<string> Endpoints => Ports.Select(p => $"127.0.0.1:{p}").ToList();

    public RedisStoreOptions Options(string prefix) => new()
    {
        Endpoints = Endpoints,
        KeyPrefix = prefix,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        OperationTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>The port of the master that serves <paramref name="key"/>'s slot and of one of its replicas (from CLUSTER NODES).</summary>
    public async Task<(int Master, int Replica)> OwnerOfAsync(string key)
    {
        var slot = int.Parse((await RedisCli.RunAsync(Ports[0], "cluster", "keyslot", key)).Trim());
        (int, int)? owner = null;
        // A replica shows up in another node's view only once gossip has carried it there.
        await WaitAsync(async () =>
        {
            var nodes = (await RedisCli.RunAsync(Ports[0], "cluster", "nodes")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToList();
            var master = nodes.SingleOrDefault(n => n[2].Contains("master") && n.Skip(8).Any(range => InRange(range, slot)));
            var replica = master is null ? null : nodes.FirstOrDefault(n => n[2].Contains("slave") && n[3] == master[0]);
            owner = replica is null ? null : (PortOf(master![1]), PortOf(replica[1]));
            return owner is not null;
        }, $"the master of slot {slot} and a replica of it");
        return owner!.Value;
    }

    /// <summary>Runs a manual <c>CLUSTER FAILOVER</c> on <paramref name="replica"/> once it is in sync and waits until it is master.</summary>
    public static async Task FailoverAsync(int replica)
    {
        await WaitAsync(async () => (await RedisCli.RunAsync(replica, "info", "replication")).Contains("master_link_status:up"), $"replica {replica} to be in sync");
        Assert.Contains("OK", await RedisCli.RunAsync(replica, "cluster", "failover"));
        await WaitAsync(async () => (await RedisCli.RunAsync(replica, "role")).StartsWith("master", StringComparison.Ordinal), $"replica {replica} to become master");
    }

    public static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"gave up waiting for {what} after 120 s");
            await Task.Delay(100);
        }
    }

    private void StartNode(int port, int busPort)
    {
        var dir = Path.Combine(Directory, port.ToString());
        System.IO.Directory.CreateDirectory(dir);
        var start = new ProcessStartInfo(Binary) { UseShellExecute = false };
        foreach (var arg in new[]
        {
            "--port", port.ToString(), "--cluster-port", busPort.ToString(), "--bind", "127.0.0.1", "--dir", dir,
            "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "3000",
            "--save", "", "--appendonly", "no", "--logfile", Path.Combine(dir, "redis.log"), "--daemonize", "no",
        })
        {
            start.ArgumentList.Add(arg);
        }
        _processes.Add(Process.Start(start)!);
        Ports.Add(port);
    }

    private static async Task<bool> TryPingAsync(int port)
    {
        try
        {
            return (await RedisCli.RunAsync(port, "ping")).Contains("PONG");
        }
        catch (Xunit.Sdk.XunitException)
        {
            return false;
        }
    }

    private static bool InRange(string range, int slot)
    {
        if (range.StartsWith('['))
        {
            return false; // a slot being migrated
        }
        var parts = range.Split('-');
        var lo = int.Parse(parts[0]);
        var hi = parts.Length > 1 ? int.Parse(parts[1]) : lo;
        return slot >= lo && slot <= hi;
    }

    private static int PortOf(string address) => int.Parse(address.Split('@')[0].Split(':')[1]);

    public ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit();
            }
            process.Dispose();
        }
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
        return ValueTask.CompletedTask;
    }
}
