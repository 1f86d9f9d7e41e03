using System.Diagnostics;
using System.Text.Json;
using Grpc.Core;
using NeuronGuard.Daemon.Telemetry;

namespace NeuronGuard.Daemon.Tests.Telemetry;

/// <summary>
/// A message that is well framed but does not decode is that message's error (issue 23): a foreign peer
/// (tests/peers/python/undecodable_peer.py on Debian's grpcio) sends raw bytes with invalid UTF-8, an invalid wire
/// type and a truncated field between two healthy requests, which still get every verdict; a stream of garbage only
/// is ended after <see cref="TelemetrySession.MaxUndecodableInARow"/> errors.
/// </summary>
[Collection(TelemetryDaemonCollection.Name)]
public sealed class UndecodableMessageTests(TelemetryDaemon d)
{
    [Fact]
    public async Task UndecodableMessages_AreEachAnError_OtherRequestsKeepTheirVerdicts_GarbageStreamEnds()
    {
        string script = Path.Combine(Metrics.MetricsTestPaths.RepoRoot, "tests", "peers", "python", "undecodable_peer.py");
        var info = new ProcessStartInfo("/usr/bin/python3", $"{script} 127.0.0.1:{d.Daemon.Address.Port} {d.Fingerprint}")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        string output = await stdout;
        Assert.True(p.ExitCode == 0, $"undecodable_peer.py exited {p.ExitCode}:\n{output}\n{await stderr}");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var errors = lines.Where(l => l.TryGetProperty("error", out _)).ToList();
        Assert.True(errors.Count == 3, output);
        Assert.All(errors, e => Assert.Equal((int)StatusCode.InvalidArgument, e.GetProperty("code").GetInt32()));

        // Invalid UTF-8 in a label: the request is named (its id decoded) and was not started.
        Assert.Equal("bad-utf8", errors[0].GetProperty("error").GetString());
        Assert.Contains("RequestStart message", errors[0].GetProperty("message").GetString());
        Assert.Contains("not started", errors[0].GetProperty("message").GetString());
        // An invalid wire type inside an Activations of request "a": that frame only.
        Assert.Equal("a", errors[1].GetProperty("error").GetString());
        Assert.Contains("The frame was ignored", errors[1].GetProperty("message").GetString());
        // A truncated RequestEnd: its id is unreadable, so the error names none; "b" stays open.
        Assert.Equal("", errors[2].GetProperty("error").GetString());
        Assert.Contains("RequestEnd message", errors[2].GetProperty("message").GetString());

        // Both healthy requests got the verdicts of both frames and their final verdicts after the bad messages.
        foreach (var id in new[] { "a", "b" })
        {
            var verdicts = lines.Where(l => l.TryGetProperty("verdict", out var v) && v.GetString() == id).ToList();
            Assert.Equal([0, 1, 1], verdicts.Select(v => v.GetProperty("step").GetInt32()));
            Assert.True(verdicts[^1].GetProperty("final").GetBoolean());
        }

        var garbage = lines.Single(l => l.TryGetProperty("garbage_errors", out _));
        Assert.Equal(TelemetrySession.MaxUndecodableInARow, garbage.GetProperty("garbage_errors").GetInt32());
        Assert.Equal((int)StatusCode.InvalidArgument, garbage.GetProperty("garbage_status").GetInt32());
        Assert.Contains("could not be decoded", garbage.GetProperty("garbage_detail").GetString());
    }

    [Fact]
    public void Undecodable_SalvagesKindAndRequestId_OnlyWhenTheyDecode()
    {
        var start = TelemetryMethod.Undecodable([0x12, 0x05, 0x0A, 0x03, (byte)'r', (byte)'1', 0xFF], "bad");
        Assert.Equal(new UndecodableMessage("bad", "RequestStart", ""), start); // the id itself is bad UTF-8
        var frame = TelemetryMethod.Undecodable([0x1A, 0x06, 0x0A, 0x02, (byte)'r', (byte)'2', 0x17, 0x01], "bad");
        Assert.Equal(("Activations", "r2"), (frame.Kind, frame.RequestId));
        var garbage = TelemetryMethod.Undecodable([0xFF, 0xFF, 0xFF], "bad");
        Assert.Equal(("", ""), (garbage.Kind, garbage.RequestId));
        // A known field under another valid wire type is not a decode failure in Google.Protobuf: it is kept as an
        // unknown field, so the message decodes without it and gets the error its missing field causes (docs/telemetry.md).
        var varintId = Api.V1.ModelServerMessage.Parser.ParseFrom([0x1A, 0x02, 0x08, 0x01]);
        Assert.Equal(("", 0), (varintId.Activations.RequestId, varintId.Activations.Values.Count));
    }
}
