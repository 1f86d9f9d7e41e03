using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using NeuronGuard.Daemon;
using NeuronGuard.Daemon.Hosting;

namespace NeuronGuard.Daemon.Tests;

/// <summary>
/// Runs the real <c>neuronguard serve</c> process and talks to it with Python grpcio (Debian's python3-grpcio).
/// </summary>
public sealed partial class ServeCommandTests
{
    private static readonly string CliDll = Path.Combine(AppContext.BaseDirectory, "neuronguard.dll");

    [Fact]
    public async Task Serve_HealthCheckFromGrpcio_ServingThenCleanSigtermExit()
    {
        using var daemon = await StartServeAsync("--listen 127.0.0.1:0");
        var script = """
            import sys, grpc
            ch = grpc.insecure_channel(sys.argv[1])
            check = ch.unary_unary('/grpc.health.v1.Health/Check', request_serializer=lambda x: x, response_deserializer=lambda x: x)
            watch = ch.unary_stream('/grpc.health.v1.Health/Watch', request_serializer=lambda x: x, response_deserializer=lambda x: x)
            print('check', check(b'', timeout=10).hex())
            print('telemetry', check(b'\n\x18neuronguard.v1.Telemetry', timeout=10).hex())
            try:
                check(b'\n\x07nothing', timeout=10)
            except grpc.RpcError as e:
                print('unknown', e.code().name)
            it = watch(b'', timeout=10)
            print('watch', next(it).hex())
            it.cancel()
            """;
        var (code, output) = await RunPythonAsync(script, $"127.0.0.1:{daemon.Port}");
        Assert.True(code == 0, output);
        Assert.Contains("check 0801", output);       // status: SERVING (1)
        Assert.Contains("telemetry 0801", output);
        Assert.Contains("unknown NOT_FOUND", output);
        Assert.Contains("watch 0801", output);

        // Server reflection, as grpcurl uses it: grpcio lists the services, fetches Control's descriptors and calls it.
        var (rc, reflected) = await Peers.RunAsync("/usr/bin/python3", $"reflection_client.py 127.0.0.1:{daemon.Port}", Peers.PythonDir, TimeSpan.FromMinutes(2));
        Assert.True(rc == 0, reflected);
        using (var json = System.Text.Json.JsonDocument.Parse(reflected.Trim().Split('\n')[^1]))
        {
            var services = json.RootElement.GetProperty("services").EnumerateArray().Select(e => e.GetString()).ToList();
            Assert.Contains("neuronguard.v1.Telemetry", services);
            Assert.Contains("neuronguard.v1.Control", services);
            Assert.Contains("grpc.health.v1.Health", services);
            Assert.Contains("neuronguard/v1/control.proto", json.RootElement.GetProperty("files").EnumerateArray().Select(e => e.GetString()));
            Assert.Contains("SetMitigation", json.RootElement.GetProperty("control_methods").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal("neuronguard.v1.GetPolicyResponse", json.RootElement.GetProperty("get_policy_response").GetString());
        }

        var exit = daemon.Terminate();
        Assert.True(await exit.WaitAsync(TimeSpan.FromSeconds(30)) == 0, daemon.Log);
        Assert.Contains("NeuronGuard stopped", daemon.Log);
    }

    [Fact]
    public async Task Serve_ModelServerVanishesMidStream_NoErrorLogAndStillServing()
    {
        using var daemon = await StartServeAsync("--listen 127.0.0.1:0 --model none");
        // A grpcio model server opens the Telemetry stream, says Hello, reads the answer and dies without closing it.
        var script = """
            import os, sys, grpc
            ch = grpc.insecure_channel(sys.argv[1])
            stream = ch.stream_stream('/neuronguard.v1.Telemetry/Stream', request_serializer=lambda x: x, response_deserializer=lambda x: x)
            def requests():
                yield b'\n\x0f\n\x05probe\x1a\x06abc123'  # ModelServerMessage{hello{server_id, model_fingerprint}}
                import time; time.sleep(30)
            responses = stream(requests())
            print('first answer', len(next(responses)))
            sys.stdout.flush()
            os._exit(0)
            """;
        var (code, output) = await RunPythonAsync(script, $"127.0.0.1:{daemon.Port}");
        Assert.True(code == 0, output);
        Assert.Contains("first answer", output);
        var (again, checkOutput) = await RunPythonAsync("""
            import sys, grpc
            ch = grpc.insecure_channel(sys.argv[1])
            check = ch.unary_unary('/grpc.health.v1.Health/Check', request_serializer=lambda x: x, response_deserializer=lambda x: x)
            print('check', check(b'', timeout=10).hex())
            """, $"127.0.0.1:{daemon.Port}");
        Assert.True(again == 0, checkOutput);
        Assert.Contains("check 0801", checkOutput);
        var exit = daemon.Terminate();
        Assert.True(await exit.WaitAsync(TimeSpan.FromSeconds(30)) == 0, daemon.Log);
        Assert.DoesNotContain("fail:", daemon.Log);
        Assert.DoesNotContain("crit:", daemon.Log);
    }

    [Fact]
    public async Task Serve_BadListenAddress_ExitsWithClearMessage()
    {
        using var daemon = await StartServeAsync("--listen not-an-address", waitForListening: false);
        Assert.Equal(2, await daemon.Exited.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("is not a listen address: use IP:PORT", daemon.Log);
    }

    [Fact]
    public void LoadOptions_ConfigFileThenEnvironment_EnvironmentWins()
    {
        var file = Path.Combine(Path.GetTempPath(), $"ng-config-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """{ "NeuronGuard": { "Listen": "127.0.0.1:6000", "ShutdownTimeoutSeconds": 3 } }""");
        try
        {
            Assert.Equal("127.0.0.1:6000", DaemonHost.LoadOptions(file).Listen);
            Assert.Equal(3, DaemonHost.LoadOptions(file).ShutdownTimeoutSeconds);
            Environment.SetEnvironmentVariable("NEURONGUARD__LISTEN", "127.0.0.1:6001");
            Assert.Equal("127.0.0.1:6001", DaemonHost.LoadOptions(file).Listen);
            Assert.Equal("127.0.0.1:6002", DaemonHost.LoadOptions(file, new Dictionary<string, string?> { ["Listen"] = "127.0.0.1:6002" }).Listen);
        }
        finally
        {
            Environment.SetEnvironmentVariable("NEURONGUARD__LISTEN", null);
            File.Delete(file);
        }
        Assert.Equal("127.0.0.1:50051", new DaemonOptions().Listen);
    }

    [Fact]
    public void LoadOptions_MissingConfigFile_Throws()
    {
        var ex = Assert.Throws<DaemonConfigurationException>(() => DaemonHost.LoadOptions("/nonexistent/neuronguard.json"));
        Assert.Contains("does not exist", ex.Message);
    }

    private static Task<ServeProcess> StartServeAsync(string arguments, bool waitForListening = true) =>
        ServeProcess.StartAsync(CliDll, arguments, waitForListening);

    private static Task<(int Code, string Output)> RunPythonAsync(string script, string arg) => PythonScript.RunAsync(script, arg);
}
