using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Control;
using Grpc.Core;
using NeuronGuard.Inference;

namespace NeuronGuard.Daemon.Tests.Telemetry;

/// <summary>
/// Every bad input on a model-server stream gets a precise per-request StreamError, and the same stream keeps serving
/// the requests that were fine: after each error the test finishes a healthy request on the same stream.
/// </summary>
[Collection(TelemetryDaemonCollection.Name)]
public sealed class StreamBadInputTests(TelemetryDaemon d)
{
    [Fact]
    public async Task Hello_KnownModel_WelcomesWithCatalogSlotsAndPolicy()
    {
        // The Welcome carries the policy in force. The test writes an entry of its own first, so what it checks does
        // not depend on what other tests on this shared daemon wrote before it (or on their entries expiring).
        var mine = await d.Channel.AsyncUnaryCall(ControlMethods.SetMitigation, new SetMitigationRequest
        {
            Set = "backdoor", Mode = MitigationMode.Shadow, Strength = 0.5f, Tenant = "t-welcome", Reason = "welcome test",
        });
        await using var s = new RawModelServer(d.Channel);
        await s.HelloAsync(d.Fingerprint);
        var welcome = (await s.ExpectAsync(m => m.Welcome is not null, "Welcome")).Welcome;
        Assert.Equal(d.Slots, welcome.Slots.Count);
        Assert.Equal("fixture-1", welcome.CatalogVersion);
        Assert.Equal("fixture-1", welcome.BaselineVersion);
        Assert.True(welcome.Policy.Version >= mine.Policy.Version, $"Welcome policy v{welcome.Policy.Version} is older than the write v{mine.Policy.Version}");
        var entry = Assert.Single(welcome.Policy.Mitigations, m => m.Tenant == "t-welcome");
        Assert.Equal(("backdoor", MitigationMode.Shadow, 0.5f), (entry.Set, entry.Mode, entry.Strength));
        // Every entry the daemon serves at the Welcome's version is in the Welcome, whatever earlier tests wrote.
        var served = await d.Channel.AsyncUnaryCall(ControlMethods.GetPolicy, new GetPolicyRequest());
        if (served.Policy.Version == welcome.Policy.Version)
        {
            Assert.Equal(served.Policy.Mitigations.Select(m => (m.Set, m.Tenant)).Order(), welcome.Policy.Mitigations.Select(m => (m.Set, m.Tenant)).Order());
        }
        Assert.Equal(d.Plan.Plan!.Slots.Select(n => (n.Layer, n.Index)), welcome.Slots.Select(n => ((int)n.Layer, (int)n.Index)));
        await HealthyRequestAsync(s, "after-hello");
    }

    [Fact]
    public async Task Hello_UnknownModel_EmptySlotsAndNotFound()
    {
        await using var s = new RawModelServer(d.Channel);
        await s.HelloAsync("feedface");
        var welcome = (await s.ExpectAsync(m => m.Welcome is not null, "Welcome")).Welcome;
        Assert.Empty(welcome.Slots);
        var error = (await s.ExpectErrorAsync("", StatusCode.NotFound)).Error;
        Assert.Contains("model feedface is not known to this daemon: no catalog is active for it", error.Message);
        await s.StartAsync("r1");
        await s.FrameAsync("r1", 0, 1, [1f]);
        Assert.Contains("no catalog", (await s.ExpectErrorAsync("r1", StatusCode.FailedPrecondition)).Error.Message);
        await s.EndAsync("r1");
    }

    [Fact]
    public async Task RequestStart_BeforeHello_FailedPrecondition()
    {
        await using var s = new RawModelServer(d.Channel);
        await s.StartAsync("early");
        Assert.Contains("send Hello first", (await s.ExpectErrorAsync("early", StatusCode.FailedPrecondition)).Error.Message);
        await s.HelloAsync(d.Fingerprint);
        await HealthyRequestAsync(s, "after-early");
    }

    [Fact]
    public async Task Activations_UnknownRequest_NotFound()
    {
        await using var s = await ConnectedAsync();
        await s.FrameAsync("ghost", 0, 1, d.Frame(1));
        Assert.Contains("unknown request 'ghost'", (await s.ExpectErrorAsync("ghost", StatusCode.NotFound)).Error.Message);
        await HealthyRequestAsync(s, "after-ghost");
    }

    [Fact]
    public async Task Activations_WrongValueCount_InvalidArgumentAndRequestContinues()
    {
        await using var s = await ConnectedAsync();
        await s.StartAsync("short");
        await s.FrameAsync("short", 0, 2, d.Frame(2).Take(d.Slots * 2 - 1));
        var error = (await s.ExpectErrorAsync("short", StatusCode.InvalidArgument)).Error;
        Assert.Contains($"steps × slots = 2 × {d.Slots} = {2 * d.Slots}", error.Message);
        // The bad frame was ignored: step 0 is still the next one expected.
        await s.FrameAsync("short", 0, 2, d.Frame(2));
        Assert.Equal(1u, (await s.ExpectVerdictAsync("short")).Step);
        await s.EndAsync("short");
        await s.ExpectVerdictAsync("short", final: true);
    }

    [Fact]
    public async Task Activations_OutOfOrder_OutOfRange()
    {
        await using var s = await ConnectedAsync();
        await s.StartAsync("gap");
        await s.FrameAsync("gap", 0, 1, d.Frame(1));
        await s.ExpectVerdictAsync("gap");
        await s.FrameAsync("gap", 5, 1, d.Frame(1));
        Assert.Contains("expects step 1 next", (await s.ExpectErrorAsync("gap", StatusCode.OutOfRange)).Error.Message);
        await s.FrameAsync("gap", 0, 1, d.Frame(1));
        await s.ExpectErrorAsync("gap", StatusCode.OutOfRange); // a repeat is out of order too
        await s.FrameAsync("gap", 1, 1, d.Frame(1));
        Assert.Equal(1u, (await s.ExpectVerdictAsync("gap")).Step);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public async Task Activations_NonFinite_InvalidArgumentNamesTheNeuron_OtherRequestUnaffected(float bad)
    {
        await using var s = await ConnectedAsync();
        await s.StartAsync("good");
        await s.StartAsync("bad");
        var values = d.Frame(2);
        values[d.Slots + 3] = bad;
        await s.FrameAsync("bad", 0, 2, values);
        var error = (await s.ExpectErrorAsync("bad", StatusCode.InvalidArgument)).Error;
        var neuron = d.Plan.Plan!.Slots[3];
        Assert.Contains($"at step 1, slot 3 (layer {neuron.Layer}, neuron {neuron.Index}) is not finite", error.Message);
        await s.FrameAsync("good", 0, 2, d.Frame(2));
        Assert.Equal(1u, (await s.ExpectVerdictAsync("good")).Step);
    }

    [Fact]
    public async Task RequestStart_DuplicateId_AlreadyExistsAndOriginalKeepsItsState()
    {
        await using var s = await ConnectedAsync();
        await s.StartAsync("dup");
        await s.FrameAsync("dup", 0, 3, d.Frame(3));
        await s.ExpectVerdictAsync("dup");
        await s.StartAsync("dup");
        Assert.Contains("already open", (await s.ExpectErrorAsync("dup", StatusCode.AlreadyExists)).Error.Message);
        await s.FrameAsync("dup", 3, 1, d.Frame(1));
        Assert.Equal(3u, (await s.ExpectVerdictAsync("dup")).Step);
    }

    [Fact]
    public async Task Hello_OtherFingerprint_InvalidArgumentAndStreamKeepsItsModel()
    {
        await using var s = await ConnectedAsync();
        await s.HelloAsync("0123abcd");
        Assert.Contains("a stream serves one model", (await s.ExpectErrorAsync("", StatusCode.InvalidArgument)).Error.Message);
        await HealthyRequestAsync(s, "after-mismatch");
    }

    [Fact]
    public async Task RequestEnd_Unknown_NotFound()
    {
        await using var s = await ConnectedAsync();
        await s.EndAsync("never");
        await s.ExpectErrorAsync("never", StatusCode.NotFound);
        await HealthyRequestAsync(s, "after-end");
    }

    [Fact]
    public async Task Activations_OverMaxValues_ResourceExhausted()
    {
        await using var s = await ConnectedAsync();
        var welcome = s.Seen.First(m => m.Welcome is not null).Welcome;
        await s.StartAsync("big");
        int steps = (int)welcome.MaxValuesPerMessage / d.Slots + 1;
        await s.FrameAsync("big", 0, steps, new float[steps * d.Slots]);
        Assert.Contains("split the steps", (await s.ExpectErrorAsync("big", StatusCode.ResourceExhausted)).Error.Message);
        await HealthyRequestAsync(s, "after-big");
    }

    [Fact]
    public async Task Disconnect_MidRequest_ReleasesEveryRequest()
    {
        var s = await ConnectedAsync("leaver");
        for (int i = 0; i < 20; i++)
        {
            await s.StartAsync($"open-{i}", "t-leaver");
            await s.FrameAsync($"open-{i}", 0, 2, d.Frame(2));
        }
        await s.ExpectVerdictAsync("open-19");
        Assert.Contains(d.Daemon.Context.Sessions.States(), x => x.ServerId == "leaver");
        await s.DisposeAsync(); // resets the stream with 20 requests open
        var until = DateTime.UtcNow.AddSeconds(15);
        while (d.Daemon.Context.Sessions.States().Any(x => x.ServerId == "leaver") && DateTime.UtcNow < until)
        {
            await Task.Delay(20);
        }
        Assert.DoesNotContain(d.Daemon.Context.Sessions.States(), x => x.ServerId == "leaver");
        // Every open request was ended (as an error) when its stream went away: none is left behind.
        using var http = new HttpClient();
        Assert.Contains("neuronguard_requests_total{tenant=\"t-leaver\",verdict=\"error\"} 20", await http.GetStringAsync(d.Daemon.MetricsAddress));
    }

    private async Task<RawModelServer> ConnectedAsync(string serverId = "raw")
    {
        var s = new RawModelServer(d.Channel);
        await s.HelloAsync(d.Fingerprint, serverId);
        await s.ExpectAsync(m => m.Welcome is not null, "Welcome");
        return s;
    }

    /// <summary>A clean request start to end on the same stream: the stream still works.</summary>
    private async Task HealthyRequestAsync(RawModelServer s, string id)
    {
        await s.StartAsync(id);
        await s.FrameAsync(id, 0, 4, d.Frame(4));
        var v = await s.ExpectVerdictAsync(id);
        Assert.Equal(3u, v.Step);
        Assert.False(v.Flagged);
        await s.EndAsync(id);
        Assert.True((await s.ExpectVerdictAsync(id, final: true)).Final);
    }
}
