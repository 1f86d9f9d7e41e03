using System.Net;
using Grpc.Net.Client;
using NeuronGuard.Interop;

namespace NeuronGuard.Daemon.Tests.Interop;

/// <summary>
/// The grpc interop cases plus transport probes on grpc-dotnet, with peers no one here wrote: @grpc/grpc-js and Python
/// grpcio drive the Grpc.AspNetCore server; Grpc.Net.Client drives a grpc-js server. Every case must print PASS.
/// </summary>
public sealed class InteropTests : IAsyncLifetime
{
    private InteropServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await InteropServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task GrpcJsClient_AgainstOurServer_PassesEveryCase()
    {
        var (code, output) = await Peers.RunAsync("node", $"interop_client.js --server_port={_server.Port}", Peers.NodeDir, TimeSpan.FromMinutes(2));
        AssertAllPassed(code, output, expectedCases: 23);
    }

    [Fact]
    public async Task PythonGrpcioClient_AgainstOurServer_PassesEveryCase()
    {
        var (code, output) = await Peers.RunAsync("/usr/bin/python3", $"interop_client.py --server_port={_server.Port}", Peers.PythonDir, TimeSpan.FromMinutes(2));
        AssertAllPassed(code, output, expectedCases: 23);
    }

    [Fact]
    public async Task OurClient_AgainstOurServer_PassesEveryCase()
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_server.Port}");
        var client = new InteropClient(channel);
        foreach (var testCase in InteropClient.Cases)
        {
            await client.RunAsync(testCase);
        }
    }

    [Fact]
    public async Task OurClient_AgainstGrpcJsServer_PassesEveryCase()
    {
        var (process, port) = await Peers.StartServerAsync("node", "interop_server.js --port=0", Peers.NodeDir);
        try
        {
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
            var client = new InteropClient(channel, serverChecksCompression: false);
            var failures = new List<string>();
            foreach (var testCase in InteropClient.Cases)
            {
                try
                {
                    await client.RunAsync(testCase);
                }
                catch (Exception ex)
                {
                    failures.Add($"{testCase}: {ex.Message}");
                }
            }
            Assert.Empty(failures);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
        }
    }

    [Fact]
    public async Task InteropServerProcess_Sigterm_ExitsCleanly()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "NeuronGuard.Interop.dll");
        var info = new System.Diagnostics.ProcessStartInfo("dotnet", $"\"{dll}\" server --port=0")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var process = System.Diagnostics.Process.Start(info)!;
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.StartsWith("interop server listening on 127.0.0.1:", line);
            System.Diagnostics.Process.Start("kill", $"-TERM {process.Id}")!.WaitForExit();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static void AssertAllPassed(int code, string output, int expectedCases)
    {
        Assert.True(code == 0, $"peer exited with {code}:\n{output}");
        var passed = output.Split('\n').Count(l => l.StartsWith("PASS ", StringComparison.Ordinal));
        Assert.True(passed == expectedCases, $"expected {expectedCases} PASS lines, got {passed}:\n{output}");
    }
}
