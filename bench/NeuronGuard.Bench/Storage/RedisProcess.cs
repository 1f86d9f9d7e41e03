using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace NeuronGuard.Bench.Storage;

/// <summary>A throwaway redis-server (Debian package) on a free loopback port, no persistence, for the storage suite;
/// with <c>cluster</c>, a cluster node (its bus on another free port).</summary>
internal sealed class RedisProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private RedisProcess(Process process, int port, string directory)
    {
        _process = process;
        Port = port;
        _directory = directory;
    }

    public int Port { get; }

    public static async Task<RedisProcess> StartAsync(bool cluster = false)
    {
        const string binary = "/usr/bin/redis-server";
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException($"{binary} is missing: apt-get install redis-server redis-tools");
        }
        var port = FreePort();
        var directory = Directory.CreateTempSubdirectory("ng-bench-redis-").FullName;
        var start = new ProcessStartInfo(binary) { UseShellExecute = false };
        string[] clusterArgs = cluster ? ["--cluster-enabled", "yes", "--cluster-port", FreePort().ToString(), "--cluster-config-file", "nodes.conf"] : [];
        foreach (var a in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory, "--logfile", Path.Combine(directory, "redis.log") }.Concat(clusterArgs))
        {
            start.ArgumentList.Add(a);
        }
        var redis = new RedisProcess(Process.Start(start)!, port, directory);
        for (var i = 0; i < 500; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return redis;
            }
            catch (SocketException)
            {
                await Task.Delay(10);
            }
        }
        redis.Dispose();
        throw new InvalidOperationException($"redis-server did not listen on {port}; see {directory}/redis.log");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
