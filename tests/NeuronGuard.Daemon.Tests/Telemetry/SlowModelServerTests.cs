using System.Text.RegularExpressions;
using Grpc.Core;

namespace NeuronGuard.Daemon.Tests.Telemetry;

/// <summary>
/// A model server that stops reading cannot grow the daemon's memory: verdicts beyond the queue limit are dropped and
/// counted (the stream lives on), and when even directives stop fitting the stream ends with RESOURCE_EXHAUSTED.
/// The test daemon runs with VerdictQueueLimit 64 and StreamQueueLimit 2,000. Request ids are long so the answers
/// outgrow the client's 2 MiB HTTP/2 receive window quickly: only then does the daemon's queue start to fill.
/// </summary>
[Collection(TelemetryDaemonCollection.Name)]
public sealed partial class SlowModelServerTests(TelemetryDaemon d)
{
    private static readonly string Long = new('x', 240); // request ids are at most 256 characters

    [Fact]
    public async Task NotReading_VerdictsDroppedAndCounted_StreamStillServesAfterwards()
    {
        double before = await DroppedVerdictsAsync();
        await using var s = new RawModelServer(d.Channel, read: false);
        await s.HelloAsync(d.Fingerprint, "slow-reader");
        string flood = "flood-" + Long;
        await s.StartAsync(flood);
        const int frames = 20_000;
        for (int i = 0; i < frames; i++)
        {
            await s.FrameAsync(flood, i, 1, d.Frame(1, firstStep: i));
        }
        s.BeginReading();
        // Its per-frame verdict may be dropped too while the backlog drains; the final verdict never is.
        await s.StartAsync("after");
        await s.FrameAsync("after", 0, 2, d.Frame(2));
        await s.EndAsync("after");
        Assert.Equal(1u, (await s.ExpectVerdictAsync("after", final: true)).Step);
        int received = s.Seen.Count(m => m.Verdict?.RequestId == flood);
        Assert.True(received < frames, $"all {frames} verdicts arrived: nothing was dropped, so the test did not hold the reader back");
        Assert.True(await DroppedVerdictsAsync() - before >= frames - received - 1, "dropped verdicts are counted in neuronguard_dropped_messages_total");
    }

    [Fact]
    public async Task NotReading_DirectivesOverflow_StreamEndsWithResourceExhausted()
    {
        await using var s = new RawModelServer(d.Channel, read: false);
        await s.HelloAsync(d.Fingerprint, "stuck-reader");
        try
        {
            for (int i = 0; i < 15_000; i++)
            {
                // Final verdicts are never dropped, so they pile up while nobody reads.
                string id = $"r{i}-{Long}"; // ~0.4 KB per final verdict
                await s.StartAsync(id);
                await s.EndAsync(id);
            }
        }
        catch (Exception e) when (e is RpcException or IOException or InvalidOperationException)
        {
            // The daemon ended the call while we were still writing.
        }
        s.BeginReading();
        await s.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        // A reader that keeps up in time sees RESOURCE_EXHAUSTED; this one starts reading only after its writes
        // fail, when the daemon has already reset the stream (it waits 5 s for the blocked write first). Kestrel resets
        // with INTERNAL_ERROR, which Grpc.Net.Client reports as INTERNAL (the mapping grpc's PROTOCOL-HTTP2.md gives).
        // Two endings, each explained above and nothing else: the reset (INTERNAL, seen in every run here) or, had the
        // reader caught up before the reset, RESOURCE_EXHAUSTED with the reason.
        Assert.True(s.Status.StatusCode is StatusCode.Internal or StatusCode.ResourceExhausted, $"the stuck stream ended with {s.Status}");
        if (s.Status.StatusCode == StatusCode.ResourceExhausted)
        {
            Assert.Contains("has not read its responses", s.Status.Detail);
        }
        Assert.DoesNotContain(d.Daemon.Context.Sessions.States(), x => x.ServerId == "stuck-reader");
    }

    private async Task<double> DroppedVerdictsAsync()
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync(d.Daemon.MetricsAddress);
        var m = DroppedLine().Match(text);
        return m.Success ? double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex("neuronguard_dropped_messages_total\\{kind=\"verdict\"\\} ([0-9.e+E]+)")]
    private static partial Regex DroppedLine();
}
