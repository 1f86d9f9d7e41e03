using System.Diagnostics;

namespace NeuronGuard.Bench.Storage;

/// <summary>A throwaway Redis Cluster of three masters (no replicas: the bench measures the data path, not failover).</summary>
internal sealed class RedisClusterProcess : IDisposable
{
    private readonly List<RedisProcess> _nodes;

    private RedisClusterProcess(List<RedisProcess> nodes) => _nodes = nodes;

    public IReadOnlyList<int> Ports => _nodes.Select(n => n.Port).ToList();

    public static async Task<RedisClusterProcess> StartAsync(int masters = 3)
    {
        var nodes = new List<RedisProcess>();
        for (var i = 0; i < masters; i++)
        {
            nodes.Add(await RedisProcess.StartAsync(cluster: true));
        }
        var cluster = new RedisClusterProcess(nodes);
        Run("/usr/bin/redis-cli", ["--cluster", "create", .. nodes.Select(n => $"127.0.0.1:{n.Port}"), "--cluster-replicas", "0", "--cluster-yes"]);
        for (var i = 0; i < 600 && !nodes.All(n => Run("/usr/bin/redis-cli", ["-p", n.Port.ToString(), "cluster", "info"]).Contains("cluster_state:ok")); i++)
        {
            await Task.Delay(100);
        }
        return cluster;
    }

    private static string Run(string file, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', start.ArgumentList)} failed: {process.StandardError.ReadToEnd()}{output}");
        }
        return output;
    }

    public void Dispose() => _nodes.ForEach(n => n.Dispose());
}
