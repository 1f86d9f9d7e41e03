using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace NeuronGuard.Bench.Storage;

/// <summary>A throwaway redis-server (Debian package) on a free loopback port, no persistence, for the storage suite.</summary>
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

    public static async Task<RedisProcess> StartAsync()
    {
        const string binary = "/usr/bin/redis-server";
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException($"{binary} is missing: apt-get install redis-server redis-tools");
        }
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var directory = Directory.CreateTempSubdirectory("ng-bench-redis-").FullName;
        var start = new ProcessStartInfo(binary) { UseShellExecute = false };
        foreach (var a in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory, "--logfile", Path.Combine(directory, "redis.log") })
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
