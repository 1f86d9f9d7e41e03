using System.Diagnostics;
using NeuronGuard.Daemon.Auth;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.ModelServer;

namespace NeuronGuard.Daemon.Tests.Cli;

/// <summary>
/// Every client command's runtime errors as one plain line with the address and the cause (issue 24 item 4), and the
/// one way to pass the address and token (NEURONGUARD_SERVER, NEURONGUARD_TOKEN; item 8): real `neuronguard`
/// processes against a real daemon without a built-in model, its metrics port, and a closed port.
/// </summary>
public sealed class ClientErrorTests : IAsyncLifetime
{
    private static readonly string OperatorToken = TokenHasher.NewToken();
    private static readonly string IngestToken = TokenHasher.NewToken();
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-client-errors-").FullName;
    private DaemonHost _host = null!;

    public async Task InitializeAsync()
    {
        var options = new DaemonOptions { Listen = "127.0.0.1:0", DataDir = _dir, Model = "none", LogLevel = "Warning" };
        options.Metrics.Listen = "127.0.0.1:0";
        options.Auth.Tokens.Add(new TokenEntry { Name = "alice", Hash = TokenHasher.Hash(OperatorToken), Roles = ["operator", "viewer"] });
        options.Auth.Tokens.Add(new TokenEntry { Name = "model-server", Hash = TokenHasher.Hash(IngestToken), Roles = ["ingest"] });
        _host = await ServeHost.StartAsync(options);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private string Grpc => $"127.0.0.1:{_host.Address.Port}";

    private string MetricsPort => $"127.0.0.1:{_host.MetricsAddress!.Port}";

    [Fact]
    public async Task ClosedPort_EveryClientCommand_NamesTheAddressAndConnectionRefused()
    {
        string closed = $"127.0.0.1:{CliProcess.FreePort()}";
        foreach (var args in new[]
        {
            new[] { "ctl", "--server", closed, "policy", "get" },
            ["ctl", "--server", closed, "policy", "set", "toxicity", "--mode", "off"],
            ["generate", "hello", "--server", closed],
            ["health", "--target", closed],
        })
        {
            var (code, stdout, stderr) = await RunAsync(null, args);
            Assert.True(code == 1, $"{string.Join(' ', args)}: exit {code}\n{stdout}{stderr}");
            Assert.Contains($"cannot reach {closed}: connection refused", stderr);
            AssertPlain(stderr);
        }
    }

    [Fact]
    public async Task MetricsPort_SaysItSpeaksHttp11()
    {
        var (code, _, stderr) = await RunAsync(null, "ctl", "--server", MetricsPort, "--token", OperatorToken, "policy", "get");
        Assert.Equal(1, code);
        // Either the GOAWAY (HTTP_1_1_REQUIRED) is read, or, on a loaded machine, the close comes first and the HTTP/2
        // handshake fails: both name the address and point at the metrics port.
        Assert.Contains($"cannot reach {MetricsPort}: ", stderr);
        Assert.True(stderr.Contains("this port speaks HTTP/1.1: is it the metrics port?", StringComparison.Ordinal)
            || stderr.Contains("did not complete the HTTP/2 handshake: it does not speak gRPC here (an HTTP/1.1 port: is it the metrics port?", StringComparison.Ordinal), stderr);
        AssertPlain(stderr);
    }

    [Fact]
    public async Task HealthUnknownService_And_GenerateWithoutModel_SayWhat()
    {
        var (code, _, stderr) = await RunAsync(null, "health", "--target", Grpc, "--service", "foo");
        Assert.Equal(1, code);
        Assert.Contains($"{Grpc}: unknown service foo", stderr);
        AssertPlain(stderr);

        (code, _, stderr) = await RunAsync(new() { ["NEURONGUARD_TOKEN"] = OperatorToken }, "generate", "hello", "--server", Grpc);
        Assert.Equal(1, code);
        Assert.Contains("the daemon runs without a built-in model (--model none)", stderr);
        AssertPlain(stderr);
    }

    [Fact]
    public async Task EnvironmentVariables_GiveEveryCommandItsAddressAndToken()
    {
        var env = new Dictionary<string, string?> { ["NEURONGUARD_SERVER"] = Grpc, ["NEURONGUARD_TOKEN"] = OperatorToken };
        var (code, stdout, stderr) = await RunAsync(env, "ctl", "policy", "get");
        Assert.True(code == 0, stderr);
        Assert.Contains("policy version", stdout);

        (code, stdout, stderr) = await RunAsync(env, "health");
        Assert.True(code == 0, stderr);
        Assert.Equal("SERVING", stdout.Trim());

        (code, _, stderr) = await RunAsync(new() { ["NEURONGUARD_SERVER"] = Grpc }, "ctl", "policy", "get");
        Assert.Equal(1, code);
        Assert.Contains("UNAUTHENTICATED", stderr);
        Assert.Contains("NEURONGUARD_TOKEN", stderr);
    }

    [Fact]
    public async Task Host_RefusedToken_ExitsThreeWithOneLine_GoodTokenFromEnvironmentConnects()
    {
        string model = Path.Combine(_dir, "fixture-model");
        NeuronGuard.Inference.FixtureMaker.WritePlanted(model);
        var (code, _, stderr) = await RunAsync(new() { ["NEURONGUARD_SERVER"] = Grpc, ["NEURONGUARD_TOKEN"] = "ng_not-a-token" }, "host", "--model", model);
        Assert.Equal(3, code);
        var last = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.Contains($"refused this model server's credentials 3 times in a row (UNAUTHENTICATED", last);
        AssertPlain(stderr);

        // The same command with the ingest token in NEURONGUARD_TOKEN is welcomed and keeps running.
        var info = Start(new() { ["NEURONGUARD_SERVER"] = Grpc, ["NEURONGUARD_TOKEN"] = IngestToken }, "host", "--model", model, "--server-id", "env-host");
        using var p = Process.Start(info)!;
        var hostOut = p.StandardOutput.ReadToEndAsync(); // drained, or its log would fill the pipe and block it
        var hostErr = p.StandardError.ReadToEndAsync();
        try
        {
            // Control's server list (ctl policy get) names it once its stream is welcomed; a bound, not a timing check.
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (true)
            {
                var (_, listing, _) = await RunAsync(new() { ["NEURONGUARD_SERVER"] = Grpc, ["NEURONGUARD_TOKEN"] = OperatorToken }, "ctl", "policy", "get");
                if (listing.Contains("env-host", StringComparison.Ordinal))
                {
                    break;
                }
                if (p.HasExited)
                {
                    Assert.Fail("host exited: " + await hostOut + await hostErr);
                }
                Assert.True(DateTime.UtcNow < deadline, "the host never connected with the token from NEURONGUARD_TOKEN");
                await Task.Delay(500);
            }
        }
        finally
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
            await Task.WhenAll(hostOut, hostErr);
        }
    }

    /// <summary>No .NET exception text: no type names, no stack frames.</summary>
    private static void AssertPlain(string text)
    {
        Assert.DoesNotContain("Exception", text);
        Assert.DoesNotContain("   at ", text);
        Assert.DoesNotContain("subchannel", text);
    }

    private static ProcessStartInfo Start(Dictionary<string, string?>? env, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(CliProcess.Dll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        info.Environment.Remove("NEURONGUARD_SERVER");
        info.Environment.Remove("NEURONGUARD_TOKEN");
        foreach (var (k, v) in env ?? [])
        {
            info.Environment[k] = v;
        }
        return info;
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(Dictionary<string, string?>? env, params string[] args)
    {
        using var p = Process.Start(Start(env, args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (p.ExitCode, await stdout, await stderr);
    }
}
