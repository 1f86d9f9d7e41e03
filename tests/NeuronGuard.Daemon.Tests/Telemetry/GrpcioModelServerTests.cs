using System.Diagnostics;
using System.Text.Json;
using NeuronGuard.Inference;

namespace NeuronGuard.Daemon.Tests.Telemetry;

/// <summary>
/// A model server nobody here wrote the transport of: tests/peers/python/model_server.py on Debian's grpcio speaks the
/// Telemetry stream to the daemon — Welcome, verdicts, a per-request error that leaves the stream open, a flag.
/// </summary>
[Collection(TelemetryDaemonCollection.Name)]
public sealed class GrpcioModelServerTests(TelemetryDaemon d)
{
    [Fact]
    public async Task GrpcioModelServer_WelcomeVerdictsErrorAndFlag()
    {
        // The peer's wobbling frames flag the fixture's backdoor detector; its tenant turns the default abort off so each
        // request runs all its steps (the peer also handles an Abort: it stops sending and ends the request).
        await d.Channel.AsyncUnaryCall(ControlMethods.SetMitigation, new Api.V1.SetMitigationRequest { Set = "backdoor", Tenant = "py", Mode = Api.V1.MitigationMode.Off });
        string script = Path.Combine(Metrics.MetricsTestPaths.RepoRoot, "tests", "peers", "python", "model_server.py");
        var info = new ProcessStartInfo("/usr/bin/python3", $"{script} 127.0.0.1:{d.Daemon.Address.Port} {d.Fingerprint} {d.SlotOf(PlantedKind.Backdoor)}")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        string output = await stdout;
        Assert.True(p.ExitCode == 0, $"model_server.py exited {p.ExitCode}:\n{output}\n{await stderr}");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

        var welcome = lines[0].GetProperty("welcome");
        Assert.Equal(d.Slots, welcome.GetProperty("slots").GetInt32());
        Assert.Equal("fixture-1", welcome.GetProperty("catalog").GetString());

        JsonElement Request(string id, string key) => lines.First(l => l.TryGetProperty("request", out var r) && r.GetString() == id && l.TryGetProperty(key, out _));
        Assert.Equal(5, Request("clean", "final_step").GetProperty("final_step").GetInt32());
        var nanError = Request("nan", "error");
        Assert.Equal(3, nanError.GetProperty("error").GetInt32()); // INVALID_ARGUMENT
        Assert.Contains("is not finite", nanError.GetProperty("message").GetString());
        Assert.Equal(5, Request("nan", "final_step").GetProperty("final_step").GetInt32()); // the request went on
        var jump = Request("jump", "final_step");
        Assert.True(jump.GetProperty("flagged").GetBoolean());
        Assert.Equal(5, jump.GetProperty("final_step").GetInt32());
        Assert.Contains((int)Api.V1.Detector.Backdoor, jump.GetProperty("detectors").EnumerateArray().Select(x => x.GetInt32()));
        Assert.Contains("backdoor", jump.GetProperty("top").EnumerateArray().Select(x => x.GetString()));
    }
}
