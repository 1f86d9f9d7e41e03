using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NeuronGuard.Storage.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> (Debian package) on a free loopback port with its own directory under /tmp.
/// A missing binary fails the test: the test command installs redis-server.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private const string Binary = "/usr/bin/redis-server";
    private readonly bool _appendOnly;
    private readonly string? _password;
    private Process? _process;

    private RedisServer(int port, bool appendOnly, string? password)
    {
        Port = port;
        _appendOnly = appendOnly;
        _password = password;
        Directory = System.IO.Directory.CreateTempSubdirectory("ng-redis-").FullName;
    }

    public int Port { get; }

    public string Directory { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    /// <param name="appendOnly">AOF with <c>appendfsync always</c>: every acknowledged write survives a SIGKILL of the server.</param>
    public static async Task<RedisServer> StartAsync(bool appendOnly = false, string? password = null)
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing: install the Debian package redis-server (the test script does)");
        var server = new RedisServer(FreePort(), appendOnly, password);
        await server.StartProcessAsync();
        return server;
    }

    /// <summary>An unused loopback port, for a server that is never started or started later.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public RedisStoreOptions Options(string prefix) => new()
    {
        Endpoints = [Endpoint],
        KeyPrefix = prefix,
        Password = _password,
        ConnectTimeout = TimeSpan.FromSeconds(2),
    };

    /// <summary>Starts (or restarts, after <see cref="Kill"/>) the server on the same port and directory.</summary>
    public async Task StartProcessAsync()
    {
        var args = new List<string>
        {
            "--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", Directory, "--save", "",
            "--appendonly", _appendOnly ? "yes" : "no", "--appendfsync", "always",
            "--logfile", Path.Combine(Directory, "redis.log"), "--daemonize", "no",
        };
        if (_password is not null)
        {
            args.AddRange(["--requirepass", _password]);
        }
        var start = new ProcessStartInfo(Binary) { UseShellExecute = false };
        args.ForEach(start.ArgumentList.Add);
        // A restart reuses the port, which another test's listener may hold for a moment (ports come from the shared
        // ephemeral range): an early exit is retried for a few seconds before it counts as a failure.
        for (int attempt = 1; ; attempt++)
        {
            _process = Process.Start(start)!;
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (!await AnswersAsync() && !_process.HasExited)
            {
                Assert.True(DateTime.UtcNow < deadline, $"redis-server on port {Port} did not answer PING within 15 s; log:\n{LogTail()}");
                await Task.Delay(20);
            }
            if (!_process.HasExited)
            {
                return;
            }
            Assert.True(attempt < 10, $"redis-server exited with {_process.ExitCode} ({attempt} attempts); log:\n{LogTail()}");
            await Task.Delay(1000);
        }
    }

    private string LogTail()
    {
        var log = Path.Combine(Directory, "redis.log");
        return File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(15)) : "(no redis.log)";
    }

    /// <summary>SIGKILL: no shutdown, no final save; only what the AOF already holds survives.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    private async Task<bool> AnswersAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer);
            var reply = Encoding.ASCII.GetString(buffer, 0, read);
            return reply.StartsWith("+PONG", StringComparison.Ordinal) || reply.StartsWith("-NOAUTH", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false; // still loading the AOF
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
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
