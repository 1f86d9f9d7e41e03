using System.Diagnostics;

namespace NeuronGuard.Storage.Tests.Infrastructure;

/// <summary>
/// redis-server listening only on a <c>tls-port</c>, with a CA and a server certificate (for 127.0.0.1) made by
/// <c>openssl</c> at test time, plus a second, unrelated CA for the wrong-CA case.
/// </summary>
internal sealed class TlsRedisServer : IAsyncDisposable
{
    private Process? _process;

    private TlsRedisServer(string directory, int port)
    {
        Directory = directory;
        Port = port;
    }

    public string Directory { get; }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    public string CaFile => Path.Combine(Directory, "ca.crt");

    public string OtherCaFile => Path.Combine(Directory, "other-ca.crt");

    public static async Task<TlsRedisServer> StartAsync()
    {
        var server = new TlsRedisServer(System.IO.Directory.CreateTempSubdirectory("ng-redis-tls-").FullName, RedisServer.FreePort());
        await server.MakeCertificatesAsync();
        var start = new ProcessStartInfo("/usr/bin/redis-server") { UseShellExecute = false };
        foreach (var arg in new[]
        {
            "--port", "0", "--tls-port", server.Port.ToString(), "--bind", "127.0.0.1", "--dir", server.Directory, "--save", "", "--appendonly", "no",
            "--tls-cert-file", Path.Combine(server.Directory, "server.crt"), "--tls-key-file", Path.Combine(server.Directory, "server.key"),
            "--tls-ca-cert-file", server.CaFile, "--tls-auth-clients", "no",
            "--logfile", Path.Combine(server.Directory, "redis.log"), "--daemonize", "no",
        })
        {
            start.ArgumentList.Add(arg);
        }
        server._process = Process.Start(start)!;
        await RedisCluster.WaitAsync(async () =>
        {
            Assert.False(server._process.HasExited, $"redis-server exited; see {server.Directory}/redis.log");
            try
            {
                return (await RedisCli.RunAsync(["--tls", "--cacert", server.CaFile, "-h", "127.0.0.1", "-p", server.Port.ToString(), "ping"])).Contains("PONG");
            }
            catch (Xunit.Sdk.XunitException)
            {
                return false;
            }
        }, $"redis-server to answer PING over TLS on {server.Port}");
        return server;
    }

    private async Task MakeCertificatesAsync()
    {
        File.WriteAllText(Path.Combine(Directory, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        await OpenSslAsync("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=NeuronGuard test CA", "-keyout", "ca.key", "-out", "ca.crt");
        await OpenSslAsync("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=Some other CA", "-keyout", "other-ca.key", "-out", "other-ca.crt");
        await OpenSslAsync("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr");
        await OpenSslAsync("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
            "-extfile", "san.ext", "-out", "server.crt");
    }

    private async Task OpenSslAsync(params string[] args)
    {
        Assert.True(File.Exists("/usr/bin/openssl"), "/usr/bin/openssl is missing: install the Debian package openssl (the test script does)");
        var start = new ProcessStartInfo("/usr/bin/openssl") { WorkingDirectory = Directory, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        args.ToList().ForEach(start.ArgumentList.Add);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"openssl {string.Join(' ', args)} failed: {await error}");
    }

    public ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process?.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
        return ValueTask.CompletedTask;
    }
}
